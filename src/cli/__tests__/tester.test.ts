import fs from 'fs'
import path from 'path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../../test/chromium'
import { ROOT, serve, tempFile, type Served } from './helpers'

// A server process and a real browser: slow to start on a busy machine.
jest.setTimeout(90_000)

const ARTIFACTS = path.join(ROOT, 'test-artifacts')

describe('the tester page in Chromium', () => {
  let server: Served
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    server = await serve(['--records', tempFile('collector.jsonl'), '--no-watch'])
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(server.url)
    await page.waitForSelector('#target option', { state: 'attached' })
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  const requestLines = () => page.locator('#result .request-line').allTextContents()
  const collectorRows = () => page.locator('#collector tbody tr').allTextContents()

  it.each([
    ['identifyUser', ['GET /api/user/acme/1/'], ['id=user-1024']],
    ['trackEvent', ['GET /api/hit/acme/1/'], ['typ=Signed Up', 'val=12.5']],
    ['orderCompleted', ['GET /api/hit/acme/1/'], ['typ=sale.repeat', 'val=50.99', 'eid=order-5001']],
    ['appInstalled', ['GET /api/install/acme/1/'], ['app=Acme Shop', 'apv=4.2.0']]
  ])('sends the %s sample and shows the request and the collector entry', async (action, paths, params) => {
    const before = (await collectorRows()).length
    await page.selectOption('#target', `action:${action}`)
    await page.click('#send')
    await page.waitForFunction((n) => document.querySelectorAll('#collector tbody tr').length === n, before + 1)

    const origin = server.url.slice(0, -1)
    const lines = await requestLines()
    expect(lines.map((line) => line.replace(origin, '').replace(/\?.*$/, ''))).toEqual(paths)
    const table = await page.locator('#result table.query tbody tr').allTextContents()
    for (const param of params) expect(table).toContain(param.replace('=', ''))
    await expect(page.locator('#result').textContent()).resolves.toContain('200 OK')

    const newest = (await collectorRows())[0]
    for (const param of params) expect(newest).toContain(param)
  })

  it('shows a typed error in plain words', async () => {
    await page.selectOption('#target', 'action:identifyUser')
    const event = JSON.parse(await page.inputValue('#event')) as Record<string, unknown>
    delete event.userId
    await page.fill('#event', JSON.stringify(event))
    await page.click('#send')
    const alert = page.locator('#result [role=alert]')
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(
      /^PayloadValidationError: not retried.*user id.*Segment would not retry this event\.$/
    )
  })

  it('selects a preset with its mapping, sends it, and keeps a screenshot', async () => {
    const before = (await collectorRows()).length
    await page.selectOption('#target', { label: 'Order Completed — event = "Order Completed"' })
    expect(JSON.parse(await page.inputValue('#mapping'))).toMatchObject({
      order_id: { '@path': '$.properties.order_id' }
    })
    await page.click('#send')
    await page.waitForFunction((n) => document.querySelectorAll('#collector tbody tr').length === n, before + 1)
    expect(await requestLines()).toEqual([expect.stringContaining('/api/hit/acme/1/?sid=')])
    expect((await collectorRows())[0]).toContain('eid=order-5001')

    fs.mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: path.join(ARTIFACTS, 'tester.png'), fullPage: true })
    expect(fs.statSync(path.join(ARTIFACTS, 'tester.png')).size).toBeGreaterThan(10_000)
  })
})
