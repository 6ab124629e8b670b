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

describe('the Events view in Chromium', () => {
  let server: Served
  let browser: Browser
  let page: Page
  const device = { device: { id: 'device-7' } }
  const post = (batch: unknown[]) =>
    fetch(`${server.url}v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ batch })
    })
  const order = (id: string) => ({
    type: 'track',
    event: 'Order Completed',
    userId: 'user-7',
    messageId: `m-${id}`,
    context: device,
    properties: { order_id: id, total: 42 }
  })
  const row = (id: string) => page.locator(`#events > li[data-id="${id}"]`)

  beforeAll(async () => {
    server = await serve(['--records', tempFile('collector.jsonl'), '--no-watch'])
    await post([
      order('order-1'),
      { type: 'page', name: 'Home', anonymousId: 'anon-7', messageId: 'm-page', context: device },
      { type: 'identify', anonymousId: 'anon-7', messageId: 'm-anon', context: device }
    ])
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(server.url)
    await page.locator('#events > li').nth(2).waitFor()
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('shows each event with its status, requests, skip reason or error', async () => {
    expect(await page.locator('#event-counts').textContent()).toBe(
      '3 accepted · 1 sent · 1 skipped · 1 failed · 0 pending'
    )
    expect(await page.locator('#events-hint').isHidden()).toBe(true)
    const sent = row('m-order-1')
    expect(await sent.locator('.badge').textContent()).toBe('sent')
    await sent.locator('summary').first().click()
    const origin = server.url.slice(0, -1)
    const lines = (await sent.locator('.request-line').allTextContents()).map((line) => line.replace(origin, ''))
    expect(lines).toEqual([
      expect.stringMatching(/^GET \/api\/hit\/acme\/1\/\?sid=device-7&.*typ=sale&val=42&eid=order-1$/)
    ])
    expect(await sent.textContent()).toContain('Order Completed (orderCompleted): matched')

    const skipped = row('m-page')
    expect(await skipped.locator('.badge').textContent()).toBe('skipped')
    await skipped.locator('summary').first().click()
    expect(await skipped.locator('.reason').textContent()).toBe('no subscription matched the event')

    const failed = row('m-anon')
    expect(await failed.locator('.badge').textContent()).toBe('failed')
    await failed.locator('summary').first().click()
    expect(await failed.locator('[role=alert]').textContent()).toMatch(
      /^PayloadValidationError: not retried.*user id.*Segment would not retry this event\.$/
    )
  })

  it('shows an event sent after the page loaded, and keeps open rows open', async () => {
    await post([order('order-2')])
    await row('m-order-2')
      .or(page.locator('#events > li').first().filter({ hasText: 'sent' }))
      .first()
      .waitFor()
    await page.waitForFunction(() => document.querySelectorAll('#events > li').length === 4)
    await page.waitForFunction(() => document.querySelector('#event-counts')?.textContent?.startsWith('4 accepted'))
    const newest = page.locator('#events > li').first()
    expect(await newest.locator('.badge').textContent()).toBe('sent')
    await newest.locator('summary').first().click()
    expect(await newest.locator('.request-line').textContent()).toContain('eid=order-2')
    // Opened rows stay open across refreshes.
    await page.waitForTimeout(1500)
    expect(await page.locator('#events > li > details[open]').count()).toBe(4)

    fs.mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: path.join(ARTIFACTS, 'events.png'), fullPage: true })
  })
})
