import path from 'path'
import { stop } from 'esbuild'
import type { Browser } from 'playwright-core'
import { LIVE_JS, bundleForBrowser } from '../../src/cli/lib/device-mode'
import { answerOnly, launchChromium, settleAll } from '../chromium'
import type { Answer } from '../chromium'

const PAGE_URL = 'https://shop.example/'
const BUNDLE_URL = 'https://shop.example/analytics.js'
const LIVE_JS_URL = 'https://d1ivexoxmp59q7.cloudfront.net/acme%2Feu/live.js'

/** The calls the test makes on the page's analytics.js; each resolves once every destination has handled it. */
interface PageAnalytics {
  identify: (userId: string, traits: object) => Promise<unknown>
  track: (event: string, properties: object) => Promise<unknown>
}

// Bundling analytics-next and starting Chromium take seconds on a busy machine.
jest.setTimeout(120_000)

describe('Convertro (device mode) in headless Chromium', () => {
  let browser: Browser
  let script: string

  beforeAll(async () => {
    // A browser that started is kept even when bundling fails, so afterAll closes it.
    await settleAll([
      launchChromium().then((started) => void (browser = started)),
      bundleForBrowser(path.join(__dirname, 'device-mode-page.ts')).then((bundled) => void (script = bundled))
    ])
  })

  afterAll(async () => {
    await browser?.close()
    // esbuild keeps its service process for later builds: this file has none.
    await stop()
  })

  it('pushes identify, track and Order Completed to live.js through analytics.js, also when made while live.js loads', async () => {
    const context = await browser.newContext()
    const pageErrors: string[] = []
    // live.js is answered only once the page has made its calls, so they are all made while it loads.
    let liveJsRequested = () => {}
    const requested = new Promise<void>((resolve) => (liveJsRequested = resolve))
    let releaseLiveJs = () => {}
    const released = new Promise<void>((resolve) => (releaseLiveJs = resolve))
    // Every request is answered here: the page, its bundle and live.js; anything else is refused and fails the test.
    const responses: Record<string, Answer> = {
      [PAGE_URL]: { contentType: 'text/html', body: '<!doctype html><script src="/analytics.js"></script>' },
      [BUNDLE_URL]: { contentType: 'text/javascript', body: script },
      [LIVE_JS_URL]: { contentType: 'text/javascript', body: LIVE_JS }
    }
    const { served, refused } = await answerOnly(context, responses, async (url) => {
      if (url !== LIVE_JS_URL) return
      liveJsRequested()
      await released
    })
    try {
      const page = await context.newPage()
      page.on('pageerror', (error) => pageErrors.push(error.message))

      // The page's load event waits for live.js, which is held: the bundle has run by DOMContentLoaded.
      await page.goto(PAGE_URL, { waitUntil: 'domcontentloaded' })
      await page.evaluate(() => {
        const { analytics } = window as unknown as { analytics: PageAnalytics }
        const calls = [
          analytics.identify('u-1', { email: 'ann@example.com', high_value_buyers: true }),
          analytics.track('Signed Up', { order_id: 'q-7', total: 25, revenue: 20 }),
          analytics.track('Viewed Pricing', {}),
          analytics.track('Order Completed', { order_id: 'o-1', total: '50.99', repeat: true }),
          analytics.track('Order Completed', { order_id: 1001, total: 12, repeat: false })
        ]
        Object.assign(window, { convertroCalls: Promise.all(calls) })
      })
      await requested
      // analytics.js holds the events until the destination is ready: nothing is pushed before live.js runs.
      const whileLoading = await page.evaluate(() => {
        const { $CVO, convertroReceived } = window as unknown as { $CVO?: unknown; convertroReceived?: unknown }
        return { queue: $CVO ?? null, received: convertroReceived ?? null }
      })
      releaseLiveJs()
      const received = await page.evaluate(async () => {
        const page = window as unknown as { convertroCalls: Promise<unknown>; convertroReceived?: unknown[] }
        await page.convertroCalls
        return page.convertroReceived
      })

      expect(whileLoading).toStrictEqual({ queue: [], received: null })
      expect({ served, refused, pageErrors }).toStrictEqual({
        served: [PAGE_URL, BUNDLE_URL, LIVE_JS_URL],
        refused: [],
        pageErrors: []
      })
      expect(received).toStrictEqual([
        ['trackUser', { id: 'u-1', email: 'ann@example.com', high_value_buyers: true }],
        ['trackEvent', { type: 'Signed Up', id: 'q-7', amount: 25 }],
        ['trackEvent', { type: 'Viewed Pricing' }],
        ['trackEvent', { type: 'sale.repeat', id: 'o-1', amount: 50.99 }],
        ['trackEvent', { type: 'sale', id: 'o-1', amount: 50.99 }],
        ['trackEvent', { type: 'sale.new', id: '1001', amount: 12 }],
        ['trackEvent', { type: 'sale', id: '1001', amount: 12 }]
      ])
    } finally {
      releaseLiveJs()
      await context.close()
    }
  })
})
