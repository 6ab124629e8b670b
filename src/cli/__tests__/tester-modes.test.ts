import fs from 'fs'
import path from 'path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, settleAll } from '../../../test/chromium'
import { SAMPLE_SETTINGS } from '../lib/samples'
import { PROJECT_ROOT, http, serve } from './helpers'
import type { Served } from './helpers'

// A server process, a real browser and the browser destination's first bundle: slow to start on a busy machine.
jest.setTimeout(90_000)

const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts')

/** What every sample event carries to Convertro's server beside its own parameters. */
const DEVICE = {
  sid: '3f1b2c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
  cip: '203.0.113.7',
  cua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148'
}

/** The sample order's two hybrid pushes: the repeat customer's sale, then the plain sale. */
const HYBRID_ORDER = [
  '["trackEvent", {"type":"sale.repeat","id":"order-5001","amount":50.99}]',
  '["trackEvent", {"type":"sale","id":"order-5001","amount":50.99}]'
]

describe('the tester page: device mode and field rows, in Chromium', () => {
  let server: Served
  let browser: Browser
  let page: Page
  /** Every URL the page asked for: all on the server, none on a CDN. */
  const requested: string[] = []
  /** The page's uncaught errors and console errors, a content security policy's refusals among them. */
  const errors: string[] = []
  let policy: string | undefined

  beforeAll(async () => {
    await settleAll([
      serve(['--no-watch']).then((started) => void (server = started)),
      launchChromium().then((started) => void (browser = started))
    ])
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    page.on('request', (request) => requested.push(request.url()))
    page.on('pageerror', (error) => errors.push(error.message))
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()))
    policy = (await page.goto(server.url))?.headers()['content-security-policy']
    await page.waitForSelector('#target option[value^="device-"]', { state: 'attached' })
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  const collectorTotal = async () => (await http(`${server.url}collector/requests`)).body as unknown[]
  const commands = (scope = '#result') => page.locator(`${scope} .commands li`).allTextContents()
  /** The request lines of the cloud result, each as its path and query, in order. */
  const cloudCalls = async () =>
    (await page.locator('#result .cloud-result .request-line').allTextContents()).map((line) => {
      const url = new URL(line.replace(/^GET /, ''))
      const { ts, ...query } = Object.fromEntries(url.searchParams)
      expect(ts).toMatch(/^\d+$/)
      return { path: url.pathname, query }
    })
  const setJson = (id: string, value: unknown) => page.fill(id, JSON.stringify(value, null, 2))
  const hybridSettings = () => setJson('#settings', { ...SAMPLE_SETTINGS, hybridAttributionModel: true })
  /** Sends, and waits for the result to be drawn anew. */
  const click = async (button: string) => {
    await page.evaluate(() => document.querySelector('#result')?.replaceChildren())
    await page.click(button)
    await page.locator('#result > *').first().waitFor()
  }

  it('offers the browser destination beside the server, marked by mode', async () => {
    const groups = await page
      .locator('#target optgroup')
      .evaluateAll((nodes) =>
        nodes.map((group) => [group.getAttribute('label'), [...group.children].map((o) => o.textContent)])
      )
    expect(groups.map(([label]) => label)).toEqual([
      'Cloud mode (server): actions',
      'Cloud mode (server): presets',
      'Device mode (analytics.js, in this page): actions',
      'Device mode (analytics.js, in this page): presets'
    ])
    expect(groups[0][1]).toEqual([
      'Identify User (identifyUser)',
      'Track Event (trackEvent)',
      'Order Completed (orderCompleted)',
      'Application Installed (appInstalled)'
    ])
    expect(groups[2][1]).toEqual([
      'Device · Identify User (identifyUser)',
      'Device · Track Event (trackEvent)',
      'Device · Order Completed (orderCompleted)'
    ])
    expect(groups[3][1]).toEqual([
      'Device · Identify User — type = "identify"',
      'Device · Track Event — type = "track" and event != "Order Completed"',
      'Device · Order Completed — type = "track" and event = "Order Completed"'
    ])
  })

  it('offers both modes at once only for an action both destinations have', async () => {
    await page.selectOption('#target', 'action:appInstalled')
    await expect(page.locator('#send-both').isDisabled()).resolves.toBe(true)
    await page.selectOption('#target', 'action:identifyUser')
    await expect(page.locator('#send-both').isDisabled()).resolves.toBe(false)
  })

  it('runs the device-mode Order Completed preset: a repeat order, hybrid attribution on, pushes two trackEvents in order', async () => {
    const before = (await collectorTotal()).length
    await page.selectOption('#target', 'device-preset:2')
    await expect(page.locator('#target option:checked').textContent()).resolves.toBe(
      'Device · Order Completed — type = "track" and event = "Order Completed"'
    )
    await hybridSettings()
    await click('#send')
    expect(await page.locator('#result .mode-result.device h3').textContent()).toBe(
      'Device mode: commands pushed to $CVO'
    )
    expect(await page.locator('#result .device-result > p.hint').textContent()).toBe('2 command(s) pushed to $CVO.')
    expect(await commands()).toEqual(HYBRID_ORDER)
    await expect(page.locator('#result .nothing, #result .error').count()).resolves.toBe(0)
    // Device mode runs in the page: the collector got nothing, and the page fetched nothing from any other host.
    expect((await collectorTotal()).length).toBe(before)
    expect(requested.filter((url) => !url.startsWith(server.url))).toEqual([])
    expect(requested).toContain(`${server.url}device/live.js`)
  })

  it('says why an anonymous identify pushes nothing in device mode', async () => {
    await page.selectOption('#target', 'device-action:identifyUser')
    const event = JSON.parse(await page.inputValue('#event')) as Record<string, unknown>
    delete event.userId
    await setJson('#event', event)
    await click('#send')
    expect(await page.locator('#result .device-result > p.hint').textContent()).toBe('0 command(s) pushed to $CVO.')
    expect(await commands()).toEqual([])
    expect(await page.locator('#result .nothing').textContent()).toBe(
      'Nothing pushed: User ID is empty for this event. The user ID (pushed as `id`). Without it nothing is pushed.'
    )
  })

  it('shows a device-mode error in the same plain words as cloud mode', async () => {
    await page.selectOption('#target', 'device-action:trackEvent')
    await setJson('#settings', { account: '' })
    await click('#send')
    expect(await page.locator('#result .device-result .error').textContent()).toBe(
      'IntegrationError: not retriedMissing required setting: account. (INVALID_SETTINGS). Segment would not retry this event.'
    )
    await setJson('#settings', SAMPLE_SETTINGS)
  })

  it('shows each field as a row, and an edit of a row changes the JSON view and the request', async () => {
    await page.selectOption('#target', 'action:trackEvent')
    const row = page.locator('#fields .field[data-field="event_type"]')
    expect(await row.locator('.field-head').textContent()).toBe('Convertro Event Typerequiredstring')
    expect(await row.locator('.default').textContent()).toBe('Default: $.event')
    const value = page.locator('#fields .field[data-field="value"]')
    expect(await value.locator('.default').textContent()).toBe('Default: revenue: $.properties.revenue')
    expect(await page.inputValue('#field-event_type')).toBe('$.event')
    const paths = await page
      .locator('#event-paths option')
      .evaluateAll((o) => o.map((n) => (n as HTMLOptionElement).value))
    expect(paths).toEqual(
      expect.arrayContaining(['$.event', '$.properties', '$.properties.plan', '$.context.device.id'])
    )

    await page.fill('#field-event_type', '$.properties.plan')
    await page.fill('#field-value-revenue', '7.25')
    await page.fill('#field-order_id', 'q-1')
    const mapping = JSON.parse(await page.inputValue('#mapping')) as Record<string, unknown>
    expect(mapping).toMatchObject({
      event_type: { '@path': '$.properties.plan' },
      value: { revenue: 7.25 },
      order_id: 'q-1'
    })
    await click('#send')
    expect(await cloudCalls()).toEqual([
      {
        path: '/api/hit/acme/1/',
        query: { ...DEVICE, typ: 'premium', val: '7.25', eid: 'q-1' }
      }
    ])
  })

  it('redraws the rows when the JSON view changes', async () => {
    await page.selectOption('#target', 'action:trackEvent')
    const mapping = JSON.parse(await page.inputValue('#mapping')) as Record<string, unknown>
    await page.click('details:has(#mapping) > summary')
    await setJson('#mapping', { ...mapping, event_type: 'Plan Chosen', order_id: { '@path': '$.properties.plan' } })
    expect(await page.inputValue('#field-event_type')).toBe('Plan Chosen')
    expect(await page.inputValue('#field-order_id')).toBe('$.properties.plan')
    await page.fill('#mapping', '{ not json')
    expect(await page.locator('#fields-note').textContent()).toBe(
      'The mapping JSON is not a JSON object: fix it there, and the fields follow.'
    )
  })

  it('flags a required field left empty, in the destination own words, and sends nothing', async () => {
    await page.selectOption('#target', 'action:trackEvent')
    const before = (await collectorTotal()).length
    const posted: string[] = []
    const listen = (request: { method(): string; url(): string }) =>
      request.method() === 'POST' && posted.push(request.url())
    page.on('request', listen)
    await page.fill('#field-event_type', '')
    const mapping = JSON.parse(await page.inputValue('#mapping')) as Record<string, unknown>
    expect(mapping).toHaveProperty('event_type', '')
    await click('#send')
    page.off('request', listen)

    const words = "The root value is missing the required field 'event_type'."
    const row = page.locator('#fields .field[data-field="event_type"]')
    expect(await row.getAttribute('class')).toBe('field missing')
    expect(await row.locator('.field-error').textContent()).toBe(words)
    const shown = `The mapped event does not fit the action's fields: ${words}`
    expect(await page.locator('#result [role=alert]').textContent()).toBe(`Not sent: a required field is empty${shown}`)
    expect(posted).toEqual([])
    expect((await collectorTotal()).length).toBe(before)

    // The server says the same of the very mapping the page built, and sends nothing.
    const payload = JSON.parse(await page.inputValue('#event')) as unknown
    const answer = await http(`${server.url}trackEvent`, { body: { payload, settings: SAMPLE_SETTINGS, mapping } })
    expect(answer.body).toEqual([
      expect.objectContaining({ summary: `${shown} Segment would not retry it.`, exchanges: [] })
    ])
    expect((await collectorTotal()).length).toBe(before)
  })

  it('unmaps a field whose row is emptied: the server does not put its default back', async () => {
    await page.selectOption('#target', 'action:trackEvent')
    const event = JSON.parse(await page.inputValue('#event')) as { properties: Record<string, unknown> }
    await setJson('#event', { ...event, properties: { ...event.properties, order_id: 'ORD-77' } })
    await click('#send')
    expect((await cloudCalls()).map(({ query }) => query.eid)).toEqual(['ORD-77'])
    await page.fill('#field-order_id', '')
    await click('#send')
    expect((await cloudCalls()).map(({ query }) => query.eid)).toEqual([undefined])
  })

  it('flags a required field left empty in device mode in the destination’s own words, and pushes nothing', async () => {
    await page.selectOption('#target', 'device-action:trackEvent')
    await page.fill('#field-event_type', '')
    await click('#send')
    const words =
      'Missing event type, so nothing was pushed to Convertro. Map "Convertro Event Type" (default: the event name).'
    const row = page.locator('#fields .field[data-field="event_type"]')
    expect(await row.getAttribute('class')).toBe('field missing')
    expect(await row.locator('.field-error').textContent()).toBe(words)
    expect(await commands()).toEqual([])
    expect(await page.locator('#result .device-result .error').textContent()).toContain(words)
  })

  it('takes true, false and numbers typed into an object field’s keys as such, as the destination reads them', async () => {
    await page.selectOption('#target', 'device-action:orderCompleted')
    await hybridSettings()
    await page.fill('#field-order-repeat', 'true')
    await page.fill('#field-order-total', '12.5')
    const mapping = JSON.parse(await page.inputValue('#mapping')) as { order: Record<string, unknown> }
    expect(mapping.order).toMatchObject({ repeat: true, total: 12.5 })
    await click('#send')
    expect(await commands()).toEqual([
      '["trackEvent", {"type":"sale.repeat","id":"order-5001","amount":12.5}]',
      '["trackEvent", {"type":"sale","id":"order-5001","amount":12.5}]'
    ])
    await setJson('#settings', SAMPLE_SETTINGS)
  })

  it('carries the fields both modes have over to the other mode when sending through both', async () => {
    await page.selectOption('#target', 'action:trackEvent')
    await page.fill('#field-event_type', 'Custom Type')
    await page.fill('#field-order_id', 'X-9')
    await click('#send-both')
    expect((await cloudCalls()).map(({ query }) => [query.typ, query.eid])).toEqual([['Custom Type', 'X-9']])
    expect(await commands('#result .mode-result.device')).toEqual([
      '["trackEvent", {"type":"Custom Type","id":"X-9","amount":12.5}]'
    ])
    expect(await page.locator('#result .mode-result.device .note').textContent()).toBe(
      'Fields both modes have are mapped as set here; the others as this mode maps them by default.'
    )
  })

  it('sends the same event through both modes and shows the requests and the commands side by side', async () => {
    await page.selectOption('#target', 'preset:2')
    await hybridSettings()
    await click('#send-both')
    const headings = await page.locator('#result .side-by-side > .mode-result > h3').allTextContents()
    expect(headings).toEqual(['Cloud mode: requests to Convertro', 'Device mode: commands pushed to $CVO'])
    expect(await cloudCalls()).toEqual([
      { path: '/api/hit/acme/1/', query: { ...DEVICE, typ: 'sale.repeat', val: '50.99', eid: 'order-5001' } },
      { path: '/api/hit/acme/1/', query: { ...DEVICE, typ: 'sale', val: '50.99', eid: 'order-5001' } }
    ])
    expect(await commands('#result .mode-result.device')).toEqual(HYBRID_ORDER)
    const [cloud, device] = await page
      .locator('#result .side-by-side > .mode-result')
      .evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect().toJSON() as DOMRect))
    // Beside each other on a wide screen.
    expect(device.left).toBeGreaterThanOrEqual(cloud.right)
    expect(device.top).toBe(cloud.top)
  })

  it("ran all of it under the page's content security policy, with no error", async () => {
    expect(policy).toBe(
      "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    expect(errors).toEqual([])
    expect(requested.filter((url) => !url.startsWith(server.url))).toEqual([])
  })

  it('serves device mode’s scripts as scripts only (nosniff)', async () => {
    for (const script of ['device/runner.js', 'device/live.js']) {
      const response = await fetch(server.url + script)
      expect([
        response.status,
        response.headers.get('content-type'),
        response.headers.get('x-content-type-options')
      ]).toEqual([200, 'text/javascript; charset=utf-8', 'nosniff'])
    }
  })

  it('stays within 390 px, the two modes one above the other', async () => {
    await page.setViewportSize({ width: 390, height: 900 })
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    const [cloud, device] = await page
      .locator('#result .side-by-side > .mode-result')
      .evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect().toJSON() as DOMRect))
    expect(device.top).toBeGreaterThanOrEqual(cloud.bottom)
    const both = await page.locator('#send-both').boundingBox()
    expect(both && both.x + both.width).toBeLessThanOrEqual(390)
    fs.mkdirSync(ARTIFACTS, { recursive: true })
    await page.locator('#fields').screenshot({ path: path.join(ARTIFACTS, 'tester-fields-390.png') })
    await page.locator('#result').screenshot({ path: path.join(ARTIFACTS, 'tester-modes-390.png') })
  })
})

describe('the tester page of serve -r, in Chromium', () => {
  it('offers device mode only, since the served destination runs in the page', async () => {
    const server = await serve(['-r', '-d', 'actions-convertro-web', '-n', '--no-watch'])
    let browser: Browser | undefined
    try {
      browser = await launchChromium()
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      await page.goto(server.url)
      await page.waitForSelector('#target option[value^="device-"]', { state: 'attached' })
      const groups = await page
        .locator('#target optgroup')
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('label')))
      expect(groups).toEqual([
        'Device mode (analytics.js, in this page): actions',
        'Device mode (analytics.js, in this page): presets'
      ])
      expect(await page.inputValue('#target')).toBe('device-action:identifyUser')
      await expect(page.locator('#send-both').isDisabled()).resolves.toBe(true)
      await page.click('#send')
      await page.locator('#result .commands li').first().waitFor()
      expect(await page.locator('#result .commands li').allTextContents()).toEqual([
        '["trackUser", {"email":"ada@example.com","plan":"premium","id":"user-1024"}]'
      ])
    } finally {
      await browser?.close()
      await server.stop()
    }
  })
})
