import fs from 'fs'
import os from 'os'
import path from 'path'
import { createServer } from 'http'
import type { Server } from 'http'
import { build, stop } from 'esbuild'
import type { Browser } from 'playwright-core'
import type { AnalyticsBrowser, Context } from '@segment/analytics-next'
import { launchChromium, settleAll } from '../../../test/chromium'
import { PROJECT_ROOT, convertroRequest, outcomes, serveTrackingApi, sortedRequests } from './helpers'
import type { ConvertroRequest, IngestView, TrackingServer } from './helpers'

// A server process, a bundle of analytics.js and a real browser: slow to start on a busy machine.
jest.setTimeout(60_000)

const WRITE_KEY = 'browser-write-key'
const BASIC_AUTH = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AcmeShop/4.2 Chromium'
const isLoopback = (url: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)

/** The options analytics.js takes per call: every event carries the device id Convertro requires. */
const options = (messageId: string, device: string) => ({ messageId, context: { device: { id: device } } })

type Call = ['identify' | 'track' | 'page', ...unknown[]]

interface PageRun {
  /** Each call's delivery as analytics.js reported it. */
  deliveries: string[]
  /** Every request the page made, with the answer it got. */
  requests: string[]
  /** Requests the browser could not complete (a CORS refusal among them). */
  failed: string[]
  /** The Authorization headers of the calls to serve: what makes the browser ask serve's CORS first. */
  authorizations: string[]
  /** Console errors and uncaught page errors. */
  errors: string[]
  /** serve's Events view once it has done with every event of the run. */
  view: IngestView
}

describe('Segment’s browser SDK (analytics-next) in Chromium sending to serve', () => {
  let server: TrackingServer
  let browser: Browser
  let site: Server
  let siteOrigin: string
  let bundleDir: string

  beforeAll(async () => {
    bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-analytics-js-'))
    // Each is kept as soon as it is up, and all are awaited before failing, so afterAll closes what did start.
    await settleAll([
      serveTrackingApi(
        { account: 'acme', clientName: 'acme', siteId: '1', hybridAttributionModel: true },
        WRITE_KEY
      ).then((started) => void (server = started)),
      launchChromium().then((started) => void (browser = started)),
      // analytics.js as a site bundles it from npm, built once for the whole run.
      build({
        stdin: {
          contents:
            "import { AnalyticsBrowser } from '@segment/analytics-next'\nwindow.AnalyticsBrowser = AnalyticsBrowser",
          resolveDir: PROJECT_ROOT,
          loader: 'js'
        },
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: 'es2020',
        outfile: path.join(bundleDir, 'analytics.js'),
        logLevel: 'silent'
      })
    ])
    // The customer's site: its own origin, so every call to serve is cross-origin, as in production.
    const pages: Record<string, [string, string | Buffer]> = {
      // No favicon: Chromium would ask for /favicon.ico and log the 404 as a console error.
      '/': [
        'text/html',
        '<!doctype html><title>Acme Shop</title><link rel="icon" href="data:,"><script src="/analytics.js"></script>'
      ],
      '/analytics.js': ['text/javascript', fs.readFileSync(path.join(bundleDir, 'analytics.js'))]
    }
    site = createServer((req, res) => {
      const found = pages[req.url ?? '']
      if (!found) return void res.writeHead(404).end()
      res.writeHead(200, { 'content-type': found[0] })
      res.end(found[1])
    })
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
    siteOrigin = `http://127.0.0.1:${(site.address() as { port: number }).port}`
  })

  afterAll(async () => {
    await browser?.close()
    // esbuild keeps its service process for later builds: this file has none.
    await stop()
    await server?.stop()
    if (site) await new Promise((resolve) => site.close(resolve))
    fs.rmSync(bundleDir, { recursive: true, force: true })
  })

  /** Loads analytics.js on the site in a fresh browser context, as docs/send-events.md shows, and makes the calls. */
  async function runPage(calls: Call[], deliveryStrategy?: object): Promise<PageRun> {
    const { accepted } = (await server.view()).counts
    server.convertro.paths.splice(0)
    const context = await browser.newContext({ userAgent: USER_AGENT })
    const run = { deliveries: [], requests: [], authorizations: [], failed: [], errors: [] } as unknown as PageRun
    context.on('request', (request) => {
      if (!isLoopback(request.url())) run.requests.push(`${request.method()} ${request.url()} (left loopback)`)
    })
    context.on('response', (response) => {
      const { origin, pathname } = new URL(response.url())
      const where = origin === siteOrigin ? 'site' : origin === server.origin ? 'serve' : origin
      run.requests.push(`${response.request().method()} ${where} ${pathname} ${response.status()}`)
      if (where === 'serve') run.authorizations.push(response.request().headers().authorization)
    })
    context.on('requestfailed', (request) => run.failed.push(`${request.url()}: ${request.failure()?.errorText}`))
    try {
      const page = await context.newPage()
      page.on('console', (message) => message.type() === 'error' && run.errors.push(message.text()))
      page.on('pageerror', (error) => run.errors.push(error.message))
      await page.goto(siteOrigin + '/')
      run.deliveries = await page.evaluate(
        async ({ writeKey, apiHost, calls, deliveryStrategy }) => {
          const { AnalyticsBrowser: sdk } = window as unknown as { AnalyticsBrowser: typeof AnalyticsBrowser }
          const [analytics] = await sdk.load({
            writeKey,
            cdnSettings: {
              integrations: { 'Segment.io': { apiKey: writeKey, apiHost, protocol: 'http', deliveryStrategy } },
              metrics: { sampleRate: 0 }
            }
          })
          const send = ([method, ...args]: Call) =>
            (analytics[method] as (...args: unknown[]) => Promise<Context>).apply(analytics, args)
          // One request a call resolves each call once it is delivered; a batch only once it fills up.
          const contexts: Context[] = []
          if (deliveryStrategy) contexts.push(...(await Promise.all(calls.map(send))))
          else for (const call of calls) contexts.push(await send(call))
          return contexts.map((ctx) => String(ctx.failedDelivery()?.reason ?? 'delivered'))
        },
        { writeKey: WRITE_KEY, apiHost: `${server.origin.replace('http://', '')}/v1`, calls, deliveryStrategy }
      )
      // analytics.js may still hold a batch: the page stays open until serve has every event.
      run.view = await server.settled(accepted + calls.length).catch((error: Error) => {
        // A refused preflight shows only in the browser: say what it saw.
        throw new Error(`${error.message}\nbrowser: ${JSON.stringify({ ...run, view: undefined }, null, 2)}`)
      })
      return run
    } finally {
      await context.close()
    }
  }

  /** The calls an event makes, with the device context the browser gives it; `ts` from the event's own time. */
  function expectedCalls(view: IngestView, id: string, device: string, calls: [string, Record<string, string>][]) {
    const event = view.events.find((e) => e.id === id)
    const ts = String(Math.trunc(Date.parse(event?.event.timestamp ?? '') / 1000))
    return calls.map(
      ([kind, extra]): ConvertroRequest => ({
        path: `/api/${kind}/acme/1/`,
        query: { sid: device, ts, cua: USER_AGENT, ...extra }
      })
    )
  }

  /** The run's events, each with its status and calls. */
  const outcomesOf = (view: IngestView, ids: string[]) => {
    const all = outcomes(view)
    return Object.fromEntries(ids.map((id) => [id, all[id]]))
  }

  const skippedPage = { status: 'skipped', reason: 'no subscription matched the event', calls: [] }

  it('sends identify, Order Completed and page one call a request, across origins, and routes them', async () => {
    const device = 'browser-device-standard'
    const run = await runPage([
      ['identify', 'user-2048', { email: 'grace@example.com' }, options('browser-identify', device)],
      [
        'track',
        'Order Completed',
        { order_id: 'order-9', total: 80.5, repeat: true },
        options('browser-order', device)
      ],
      ['page', 'Shop', 'Home', {}, options('browser-page', device)]
    ])

    expect(run.deliveries).toEqual(['delivered', 'delivered', 'delivered'])
    expect(run.requests).toEqual([
      'GET site / 200',
      'GET site /analytics.js 200',
      'POST serve /v1/i 200',
      'POST serve /v1/t 200',
      'POST serve /v1/p 200'
    ])
    expect(new Set(run.authorizations)).toEqual(new Set([BASIC_AUTH]))
    expect(run.failed).toEqual([])
    expect(run.errors).toEqual([])

    const { view } = run
    const order = { val: '80.5', eid: 'order-9' }
    const expected = {
      'browser-identify': {
        status: 'sent',
        calls: expectedCalls(view, 'browser-identify', device, [['user', { id: 'user-2048' }]])
      },
      'browser-order': {
        status: 'sent',
        calls: expectedCalls(view, 'browser-order', device, [
          ['hit', { typ: 'sale.repeat', ...order }],
          ['hit', { typ: 'sale', ...order }]
        ])
      },
      'browser-page': skippedPage
    }
    expect(outcomesOf(view, Object.keys(expected))).toEqual(expected)
    // Convertro got exactly these calls, the order's two in the attribution table's order.
    expect(sortedRequests(server.convertro.paths.map(convertroRequest))).toEqual(
      sortedRequests([...expected['browser-identify'].calls, ...expected['browser-order'].calls])
    )
    const orderCalls = server.convertro.paths.map(convertroRequest).filter((call) => call.query.eid === 'order-9')
    expect(orderCalls.map((call) => call.query.typ)).toEqual(['sale.repeat', 'sale'])
  })

  it('sends a batch (/v1/b) with the batching delivery strategy, and routes each event', async () => {
    const device = 'browser-device-batching'
    const run = await runPage(
      [
        ['identify', 'user-4096', {}, options('batch-identify', device)],
        ['track', 'Signed Up', { revenue: 12.5 }, options('batch-track', device)],
        ['page', 'Shop', 'Home', {}, options('batch-page', device)]
      ],
      { strategy: 'batching', config: { size: 3, timeout: 500 } }
    )

    expect(run.deliveries).toEqual(['delivered', 'delivered', 'delivered'])
    expect(run.requests).toEqual(['GET site / 200', 'GET site /analytics.js 200', 'POST serve /v1/b 200'])
    expect(new Set(run.authorizations)).toEqual(new Set([BASIC_AUTH]))
    expect(run.failed).toEqual([])
    expect(run.errors).toEqual([])

    const { view } = run
    const expected = {
      'batch-identify': {
        status: 'sent',
        calls: expectedCalls(view, 'batch-identify', device, [['user', { id: 'user-4096' }]])
      },
      'batch-track': {
        status: 'sent',
        calls: expectedCalls(view, 'batch-track', device, [['hit', { typ: 'Signed Up', val: '12.5' }]])
      },
      'batch-page': skippedPage
    }
    expect(outcomesOf(view, Object.keys(expected))).toEqual(expected)
    expect(sortedRequests(server.convertro.paths.map(convertroRequest))).toEqual(
      sortedRequests([...expected['batch-identify'].calls, ...expected['batch-track'].calls])
    )
  })
})
