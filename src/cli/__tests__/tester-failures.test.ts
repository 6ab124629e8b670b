import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../../test/chromium'
import { SAMPLE_EVENTS } from '../lib/samples'
import { http, serve } from './helpers'
import type { Served } from './helpers'

// A server process and a real browser: slow to start on a busy machine.
jest.setTimeout(90_000)

describe('the tester page against a Convertro that fails', () => {
  let server: Served
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    // No retry by the server's own pipeline: an event's first failure is what the Events view shows.
    server = await serve(['--no-watch', '--retries', '0'])
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(server.url)
    await page.waitForSelector('#target option', { state: 'attached' })
    await page.waitForSelector('#answers option', { state: 'attached' })
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  /** Chooses how Convertro answers, and waits until the collector was told. */
  async function answers(label: string) {
    await page.selectOption('#answers', { label })
    await page.waitForFunction(
      (label) => document.querySelector('#answers-note')?.textContent?.endsWith(`answers: ${label}.`),
      label
    )
  }

  /** Sends what the page holds and resolves with the fate shown, once the result is drawn. */
  async function send(before: number) {
    await page.click('#send')
    await page.waitForFunction((n) => document.querySelectorAll('#collector tbody tr').length === n, before + 1)
    await page.locator('#result .fate').first().waitFor()
    return page.locator('#result .fate').allTextContents()
  }

  const collectorAnswers = () => page.locator('#collector tbody tr td:last-child').allTextContents()

  it('offers the common answers, Convertro’s own first', async () => {
    const labels = await page.locator('#answers option').allTextContents()
    expect(labels[0]).toBe('200, as Convertro does')
    expect(labels).toEqual(
      expect.arrayContaining(['429 (Retry-After: 30), then 200', '501 Not Implemented', 'a reset connection'])
    )
  })

  it('set to "429, then 200", shows the retry and then the delivery', async () => {
    await answers('429 (Retry-After: 30), then 200')
    await page.selectOption('#target', 'action:trackEvent')

    const first = await send(0)
    expect(first).toEqual([
      expect.stringMatching(
        /^Fate: retry \(429\) Convertro answered 429: The collector answers 429, as its scenario says Segment's runtime sends it again with a randomized exponential backoff, for up to four hours; after that it is dropped \(https:\/\/segment\.com\/docs\/connections\/destinations\/#retries-between-segment-and-destinations\)\.$/
      )
    ])
    await expect(page.locator('#result .error.retryable').count()).resolves.toBe(1)

    const second = await send(1)
    expect(second).toEqual(['Fate: delivered Segment counts it delivered.'])
    await expect(page.locator('#result .error').count()).resolves.toBe(0)
    expect(await collectorAnswers()).toEqual(['200 by the scenario', '429 by the scenario'])
  })

  it('shows one fate per event of a batch, in order: the invalid one dropped', async () => {
    await answers('200, as Convertro does')
    const event = SAMPLE_EVENTS.trackEvent
    const invalid = { ...event, context: { device: {} } }
    await page.fill('#event', JSON.stringify([event, invalid, event]))
    await page.click('#send')
    await page.locator('#result table.per-event .fate').nth(2).waitFor()
    const fates = await page.locator('#result table.per-event .fate strong').allTextContents()
    expect(fates).toEqual(['Fate: delivered', 'Fate: drop (400)', 'Fate: delivered'])
    expect(await page.locator('#result table.per-event .fate.drop').textContent()).toContain('Delivery Overview')
  })

  it('shows the fate of an event from an SDK in the Events view', async () => {
    await answers('501 Not Implemented')
    const answer = await http(`${server.url}v1/track`, {
      body: { messageId: 'lab-1', event: 'Signed Up', userId: 'user-9', context: { device: { id: 'device-9' } } }
    })
    expect(answer.status).toBe(200)
    const row = page.locator('#events [data-id="lab-1"]')
    await page.waitForFunction(
      () => document.querySelector('#events [data-id="lab-1"] .badge')?.textContent === 'failed'
    )
    expect(await row.locator('.fate strong').allTextContents()).toEqual(['Fate: drop (501)'])
    expect(await row.locator('.fate').textContent()).toContain("Segment's runtime does not send it again")
  })
})
