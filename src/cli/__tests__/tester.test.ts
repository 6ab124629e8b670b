import fs from 'fs'
import path from 'path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../../test/chromium'
import { SAMPLE_SETTINGS } from '../lib/samples'
import { PROJECT_ROOT, http, serve, stubConvertro, tempFile } from './helpers'
import type { Served } from './helpers'

// A server process and a real browser: slow to start on a busy machine.
jest.setTimeout(90_000)

const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts')

describe('the tester page in Chromium', () => {
  let server: Served
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    server = await serve(['--no-watch'])
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
    ['identifyUser', ['GET https://convertro.test/api/user/acme/1/'], ['id=user-1024']],
    ['trackEvent', ['GET https://convertro.test/api/hit/acme/1/'], ['typ=Signed Up', 'val=12.5']],
    [
      'orderCompleted',
      ['GET https://convertro.test/api/hit/acme/1/'],
      ['typ=sale.repeat', 'val=50.99', 'eid=order-5001']
    ],
    ['appInstalled', ['GET https://convertro.test/api/install/acme/1/'], ['app=Acme Shop', 'apv=4.2.0']]
  ])('sends the %s sample and shows the request and the collector entry', async (action, paths, params) => {
    const before = (await collectorRows()).length
    await page.selectOption('#target', `action:${action}`)
    await page.click('#send')
    await page.waitForFunction((n) => document.querySelectorAll('#collector tbody tr').length === n, before + 1)

    // The collector, addressed as convertro.test: this server connects that host to itself.
    const lines = await requestLines()
    expect(lines.map((line) => line.replace(/\?.*$/, ''))).toEqual(paths)
    const table = await page.locator('#result table.query tbody tr').allTextContents()
    for (const param of params) expect(table).toContain(param.replace('=', ''))
    await expect(page.locator('#result').textContent()).resolves.toContain('200 OK')

    const newest = (await collectorRows())[0]
    for (const param of params) expect(newest).toContain(param)
  })

  it('shows a typed error in plain words', async () => {
    await page.selectOption('#target', 'action:identifyUser')
    const event = JSON.parse(await page.inputValue('#event')) as Record<string, unknown>
    // Blank: actions-core takes it as present, the destination's own check refuses it.
    event.userId = ' '
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
    await page.selectOption('#target', { label: 'Order Completed — type = "track" and event = "Order Completed"' })
    expect(JSON.parse(await page.inputValue('#mapping'))).toMatchObject({
      order_id: { '@path': '$.properties.order_id' }
    })
    await page.click('#send')
    await page.waitForFunction((n) => document.querySelectorAll('#collector tbody tr').length === n, before + 1)
    expect(await requestLines()).toEqual([
      expect.stringMatching(/^GET https:\/\/convertro\.test\/api\/hit\/acme\/1\/\?sid=/)
    ])
    expect((await collectorRows())[0]).toContain('eid=order-5001')

    fs.mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: path.join(ARTIFACTS, 'tester.png'), fullPage: true })
    expect(fs.statSync(path.join(ARTIFACTS, 'tester.png')).size).toBeGreaterThan(10_000)
  })

  describe('Events view', () => {
    const row = (id: string) => page.locator(`#events [data-id="${id}"]`)
    const waitForStatus = (id: string, status: string) =>
      page.waitForFunction(
        ([id, status]) => document.querySelector(`#events [data-id="${id}"] .badge`)?.textContent === status,
        [id, status]
      )
    /** Resolves once the page has polled the events twice more, so a refresh has surely been applied. */
    const twoPolls = async () => {
      for (let i = 0; i < 2; i++) await page.waitForResponse((response) => response.url().includes('/ingest/events'))
    }
    const post = (batch: unknown[]) => http(`${server.url}v1/batch`, { body: { batch } })

    it('shows how to point an SDK at the server while no event has come', async () => {
      const origin = server.url.slice(0, -1)
      await expect(page.locator('#events-empty').isVisible()).resolves.toBe(true)
      expect(await page.locator('#events-empty').textContent()).toContain(
        `new Analytics({ writeKey: 'any', host: '${origin}' })`
      )
      expect(await page.locator('#sdk-browser').textContent()).toBe(
        `integrations: { 'Segment.io': { apiHost: '${new URL(origin).host}/v1', protocol: 'http' } }`
      )
    })

    it('shows each event the Tracking API took in, with its outcome', async () => {
      const device = { device: { id: 'device-7' } }
      const answer = await post([
        {
          messageId: 'order-1',
          type: 'track',
          event: 'Order Completed',
          userId: 'user-7',
          context: device,
          properties: { order_id: 'o-1', total: 12.5 }
        },
        { messageId: 'page-1', type: 'page', name: 'Home', anonymousId: 'anon-7' },
        { messageId: 'identify-1', type: 'identify', anonymousId: 'anon-7', context: device }
      ])
      expect(answer).toEqual({ status: 200, body: { success: true } })
      await waitForStatus('order-1', 'sent')
      await waitForStatus('page-1', 'skipped')
      await waitForStatus('identify-1', 'failed')
      await page.waitForFunction(() => document.querySelector('#event-counts')?.textContent?.includes('3 accepted'))

      expect(
        await page.locator('#events details.ingested').evaluateAll((rows) => rows.map((r) => r.dataset.id))
      ).toEqual(['identify-1', 'page-1', 'order-1'])
      expect(await page.locator('#event-counts').textContent()).toBe('3 accepted1 sent1 skipped1 failed0 pending')
      await expect(page.locator('#events-empty').isVisible()).resolves.toBe(false)

      // Default settings: hybrid attribution off, so one plain sale hit to the collector.
      const order = row('order-1')
      expect(await order.locator('.event-line').textContent()).toMatch(
        /^sent.*track Order Completeduser user-7Order Completed: 1 request\(s\), answered 200$/
      )
      const urls = await order.locator('.request-line').allTextContents()
      expect(urls).toHaveLength(1)
      const url = new URL(urls[0].replace(/^GET /, ''))
      expect(`${url.origin}${url.pathname}`).toBe('https://convertro.test/api/hit/acme/1/')
      expect(Object.fromEntries(url.searchParams)).toEqual({
        sid: 'device-7',
        ts: expect.stringMatching(/^\d+$/),
        typ: 'sale',
        val: '12.5',
        eid: 'o-1'
      })
      const query = await order.locator('table.query tbody tr').allTextContents()
      expect(query).toEqual(expect.arrayContaining(['siddevice-7', 'typsale', 'val12.5', 'eido-1']))
      expect(await order.textContent()).toContain('Answer: 200')
      expect(await order.textContent()).toContain('matched: Order Completed (orderCompleted)')

      const skipped = row('page-1')
      expect(await skipped.locator('.event-line').textContent()).toMatch(
        /^skipped.*page Homeanonymous anon-7no subscription matched the event$/
      )
      expect(await skipped.textContent()).toContain('Skipped: no subscription matched the event')
      await expect(skipped.locator('.request-line').count()).resolves.toBe(0)

      const failed = row('identify-1')
      const summary =
        "The mapped event does not fit the action's fields: The root value is missing the required field 'user_id'. Segment would not retry it."
      expect(await failed.locator('.event-line .outcome').textContent()).toBe(summary)
      expect(await failed.locator('.error').textContent()).toBe(`AggregateAjvError (400): not retryable${summary}`)
      await expect(failed.locator('.error.retryable').count()).resolves.toBe(0)
      await expect(failed.locator('.request-line').count()).resolves.toBe(0)

      // The raw event, as the pipeline keeps it, one click further.
      await failed.locator('.event-line').click()
      await failed.locator('.raw summary').click()
      const raw = JSON.parse((await failed.locator('.raw pre').textContent()) ?? '') as Record<string, unknown>
      expect(raw).toMatchObject({ type: 'identify', anonymousId: 'anon-7', messageId: 'identify-1' })
    })

    it('adds later events without a reload, leaving the rows shown as they were', async () => {
      await row('order-1').locator('.event-line').click()
      await row('identify-1').evaluate((node) => node.setAttribute('data-marked', ''))
      await twoPolls()

      const answer = await post([
        {
          messageId: 'live-1',
          type: 'track',
          event: 'Signed Up',
          userId: 'user-8',
          context: { device: { id: 'device-8' } }
        }
      ])
      expect(answer.status).toBe(200)
      await waitForStatus('live-1', 'sent')
      await twoPolls()

      expect(await row('live-1').locator('.request-line').textContent()).toMatch(
        /\/api\/hit\/acme\/1\/\?sid=device-8&.*typ=Signed\+Up/
      )
      expect(
        await page.locator('#events details.ingested').evaluateAll((rows) => rows.map((r) => r.dataset.id))
      ).toEqual(['live-1', 'identify-1', 'page-1', 'order-1'])
      // Not rebuilt: the same element, still open, its raw event too.
      await expect(row('identify-1').getAttribute('data-marked')).resolves.toBe('')
      await expect(row('identify-1').evaluate((node) => (node as HTMLDetailsElement).open)).resolves.toBe(true)
      await expect(
        row('identify-1')
          .locator('.raw')
          .evaluate((node) => (node as HTMLDetailsElement).open)
      ).resolves.toBe(true)
      await expect(row('order-1').evaluate((node) => (node as HTMLDetailsElement).open)).resolves.toBe(true)
      await expect(row('page-1').evaluate((node) => (node as HTMLDetailsElement).open)).resolves.toBe(false)
      expect(await page.locator('#event-counts').textContent()).toBe('4 accepted2 sent1 skipped1 failed0 pending')

      await row('page-1').locator('.event-line').click()
      fs.mkdirSync(ARTIFACTS, { recursive: true })
      const picture = path.join(ARTIFACTS, 'ingest-events.png')
      await page.locator('section[aria-labelledby="events-title"]').screenshot({ path: picture })
      expect(fs.statSync(picture).size).toBeGreaterThan(10_000)
    })

    it('follows an event through a retry, keeping its row open, and says when the server stops answering', async () => {
      // Convertro answers 503 once, then 200: the event waits for its retry long enough to be seen waiting.
      const convertro = await stubConvertro([503, 200])
      const settings = tempFile('settings.json', { ...SAMPLE_SETTINGS, domain: convertro.domain })
      const retrying = await serve(['--settings', settings, '--retry-delay', '5000', '--no-watch'])
      const other = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      const badge = (status: string) =>
        other.waitForFunction(
          (status) => document.querySelector('#events [data-id="retry-1"] .badge')?.textContent === status,
          status
        )
      try {
        await other.goto(retrying.url)
        const answer = await http(`${retrying.url}v1/track`, {
          body: { messageId: 'retry-1', event: 'Signed Up', userId: 'user-9', context: { device: { id: 'device-9' } } }
        })
        expect(answer.status).toBe(200)
        await badge('retrying')
        const line = other.locator('#events [data-id="retry-1"]')
        await line.locator('.event-line').click()
        await line.evaluate((node) => node.setAttribute('data-marked', ''))
        const shown = await line.evaluate((node) => ({
          outcome: node.querySelector('.event-line .outcome')?.textContent,
          facts: node.querySelector('.event-body > p.hint')?.textContent,
          error: node.querySelector('.error.retryable strong')?.textContent,
          requests: [...node.querySelectorAll('.request-line')].map((request) => request.textContent),
          answers: [...node.querySelectorAll('.exchange > p:last-child')].map((answer) => answer.textContent),
          counts: document.querySelector('#event-counts')?.textContent
        }))
        expect(shown).toEqual({
          outcome: expect.stringMatching(
            /^attempt 1 failed, next try at \d{1,2}:\d\d:\d\d(\s?[AP]M)?: .*503.*Segment would retry this event\.$/
          ),
          facts: expect.stringMatching(
            /· attempts: 1 · next try at \d{1,2}:\d\d:\d\d.* · matched: Track Event \(trackEvent\)$/
          ),
          error: 'IntegrationError (503): retryable',
          requests: [expect.stringContaining(`${convertro.origin}/api/hit/acme/1/?sid=device-9`)],
          answers: ['Answer: 503 answer 1'],
          counts: '1 accepted0 sent0 skipped0 failed1 pending'
        })

        await badge('sent')
        // A new row for the new outcome, opened as the one it replaced was, with both attempts' requests.
        await expect(line.getAttribute('data-marked')).resolves.toBeNull()
        await expect(line.evaluate((node) => (node as HTMLDetailsElement).open)).resolves.toBe(true)
        await expect(line.locator('.exchange > p:last-child').allTextContents()).resolves.toEqual([
          'Answer: 503 answer 1',
          'Answer: 200 answer 2'
        ])
        await expect(line.locator('.error').count()).resolves.toBe(0)
        expect(await line.locator('.event-body > p.hint').textContent()).toContain('attempts: 2 · matched')
        await expect(other.locator('#events-offline').isVisible()).resolves.toBe(false)

        await retrying.stop()
        await other.locator('#events-offline').waitFor()
        // What was shown stays on the page.
        await expect(line.locator('.badge').textContent()).resolves.toBe('sent')
      } finally {
        await other.close()
        await retrying.stop()
        await convertro.close()
      }
    })
  })
})

describe('the tester page with 10,000 collector records', () => {
  const RECORDS = 10_000
  let server: Served
  let browser: Browser

  /** A call as the collector records it, the way a long-running server holds thousands. */
  const record = (id: number) => ({
    id,
    receivedAt: new Date(Date.UTC(2026, 10, 25, 10) + id * 1000).toISOString(),
    method: 'GET',
    kind: 'hit',
    client: 'acme',
    site: '1',
    url: `/api/hit/acme/1/?sid=device-${id}&ts=1764064800&typ=Signed+Up&val=1`,
    query: { sid: `device-${id}`, ts: '1764064800', typ: 'Signed Up', val: '1' },
    userAgent: 'Segment (Actions)',
    status: 200
  })

  beforeAll(async () => {
    const records = tempFile(
      'collector.jsonl',
      Array.from({ length: RECORDS }, (_, i) => `${JSON.stringify(record(i + 1))}\n`).join('')
    )
    server = await serve(['--no-watch', '--records', records])
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  async function open(width: number): Promise<{ page: Page; failed: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 900 } })
    const failed: string[] = []
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`)
    })
    await page.goto(server.url)
    await page.waitForSelector('#collector tbody tr')
    return { page, failed }
  }
  const shownLine = (page: Page) => page.locator('#collector-panel .more .shown').textContent()

  it('shows the newest 50 of them, says so, re-renders Send at once, and shows more on request', async () => {
    const { page, failed } = await open(1280)
    expect(await page.locator('#collector tbody tr').count()).toBe(50)
    expect(await shownLine(page)).toBe('Showing the newest 50 of 10,000.')
    expect(await page.locator('#collector tbody tr td:first-child').first().textContent()).toBe(String(RECORDS))
    const height = await page.evaluate(() => document.documentElement.scrollHeight)
    expect(height).toBeLessThan(6000)

    await page.selectOption('#target', 'action:trackEvent')
    const started = Date.now()
    const answered = page.waitForResponse((response) => response.url().endsWith('/trackEvent')).then(() => Date.now())
    await page.click('#send')
    await page.waitForFunction(() =>
      document.querySelector('#collector-panel .more .shown')?.textContent?.includes('of 10,001')
    )
    const rendered = Date.now()
    // The re-render: from the action's answer to the page showing it and the collector's new row.
    const elapsed = `${rendered - (await answered)} ms (${
      rendered - started
    } ms from the click, the action's run included)`
    process.stdout.write(
      `tester: Send re-rendered in ${elapsed} with ${RECORDS.toLocaleString('en')} records, page ${height} px tall\n`
    )
    expect(await page.locator('#collector tbody tr td:first-child').first().textContent()).toBe(String(RECORDS + 1))

    await page.click('#collector-panel .more button')
    await page.waitForFunction(() => document.querySelectorAll('#collector tbody tr').length === 100)
    expect(await shownLine(page)).toBe('Showing the newest 100 of 10,001.')
    // The favicon, like every other file of the page, is there.
    expect(failed).toEqual([])
    await page.close()
  })

  it('wraps the Query column only between parameters', async () => {
    const { page } = await open(1280)
    // Each parameter that fits its cell on one line is on one line; one wider than the cell (a user agent) may break.
    const split = () =>
      page.locator('#collector td.query .param').evaluateAll((params) =>
        params
          .filter((param) => {
            const probe = param.cloneNode(true) as HTMLElement
            Object.assign(probe.style, { whiteSpace: 'nowrap', maxWidth: 'none', position: 'absolute' })
            param.after(probe)
            const natural = probe.getBoundingClientRect().width
            probe.remove()
            return natural < (param.parentElement?.clientWidth ?? 0) - 16
          })
          .filter(
            (param) => param.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(param).lineHeight)
          )
          .map((param) => param.textContent)
      )
    for (const width of [1280, 700, 390]) {
      await page.setViewportSize({ width, height: 900 })
      expect(await split()).toEqual([])
    }
    // The 10,000 records' parameters all fit a cell: each is on one line, `val=1` included.
    expect(await page.locator('#collector td.query .param', { hasText: /^val=1$/ }).count()).toBeGreaterThan(0)
    await page.close()
  })

  it('stays usable at 390 px: nothing wider than the screen, and Send within reach', async () => {
    const { page } = await open(390)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    const send = await page.locator('#send').boundingBox()
    expect(send && send.x + send.width).toBeLessThanOrEqual(390)
    fs.mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: path.join(ARTIFACTS, 'tester-390.png'), fullPage: true })
    await page.close()
  })
})
