/**
 * npm run screenshots: every picture of the tester in the docs, the README's included, taken from the live page,
 * so they show what the page is now. Starts a server on files of its own in a temp folder, sends what the pictures show (an action
 * call from the page; an order, an anonymous identify and a page through the Tracking API; an order through both
 * modes), and writes docs/tester.png, docs/tester-hero.png (the README's, cropped), docs/ingest-events.png and
 * docs/tester-modes.png.
 */
import fs from 'fs'
import os from 'os'
import path from 'path'
import type { Page } from 'playwright-core'
import { launchChromium } from '../test/chromium'
import { DEFAULT_RETRY } from '../src/cli/lib/retry'
import { SAMPLE_SETTINGS } from '../src/cli/lib/samples'
import { PROJECT_ROOT } from '../src/cli/lib/paths'
import { startServer } from '../src/cli/server/app'

const DOCS = path.join(PROJECT_ROOT, 'docs')
const device = (id: string) => ({ device: { id } })
/** The README's picture at most this tall: one screen. */
const HERO_HEIGHT = 800

/** The events the Events view shows: an order sent, an anonymous identify refused, a page skipped. */
const EVENTS = [
  {
    messageId: 'order-1',
    type: 'track',
    event: 'Order Completed',
    userId: 'user-7',
    context: device('device-7'),
    properties: { order_id: 'o-1', total: 12.5 }
  },
  { messageId: 'page-1', type: 'page', name: 'Home', anonymousId: 'anon-7', context: device('device-7') },
  { messageId: 'identify-1', type: 'identify', anonymousId: 'anon-7', context: device('device-7') }
]

async function finished(url: string, count: number): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const { counts } = (await (await fetch(`${url}ingest/events`)).json()) as { counts: Record<string, number> }
    if (counts.accepted === count && counts.pending === 0) return
    if (Date.now() > deadline) throw new Error(`The events were not finished within 20 s: ${JSON.stringify(counts)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function testerPicture(page: Page, file: string): Promise<void> {
  await page.selectOption('#target', { label: 'Order Completed — type = "track" and event = "Order Completed"' })
  await page.click('#send')
  await page.waitForSelector('#result .request-line')
  await page.waitForFunction(() => document.querySelectorAll('#collector tbody tr').length >= 2)
  await page.screenshot({ path: file, fullPage: true })
}

/**
 * The README's picture: the same Order Completed, cropped to what a first look needs, the event panel and the
 * result beside it (about 1280×800), so it stays one screen tall where the README shows it.
 */
async function heroPicture(page: Page, file: string): Promise<void> {
  const bottoms = await page
    .locator('main > .panel:not(.wide)')
    .evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect().bottom + window.scrollY))
  const height = Math.min(Math.max(...bottoms) + 16, HERO_HEIGHT)
  await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width: 1280, height } })
}

/** Device mode beside cloud mode: the same order through both, the field rows above the result. */
async function bothModesPicture(page: Page, file: string): Promise<void> {
  await page.selectOption('#target', 'preset:2')
  await page.fill('#settings', JSON.stringify({ ...SAMPLE_SETTINGS, hybridAttributionModel: true }, null, 2))
  await page.click('#send-both')
  await page.waitForSelector('#result .side-by-side .commands li')
  // In the page's own coordinates, however far the earlier pictures scrolled it.
  const bottoms = await page
    .locator('main > .panel:not(.wide)')
    .evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect().bottom + window.scrollY))
  const bottom = Math.max(...bottoms)
  await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: bottom + 16 } })
}

async function eventsPicture(page: Page, file: string): Promise<void> {
  for (const id of ['identify-1', 'page-1', 'order-1']) {
    await page.locator(`#events details.ingested[data-id="${id}"] .event-line`).click()
  }
  await page.locator(`#events details.ingested[data-id="identify-1"] .raw summary`).click()
  await page.locator('#events-panel').screenshot({ path: file })
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-screenshots-'))
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    records: path.join(dir, 'collector.jsonl'),
    journal: path.join(dir, 'ingest.jsonl'),
    watch: false,
    retry: DEFAULT_RETRY,
    log: () => undefined
  })
  const browser = await launchChromium()
  try {
    const sent = await fetch(`${server.url}v1/batch`, { method: 'POST', body: JSON.stringify({ batch: EVENTS }) })
    if (sent.status !== 200) throw new Error(`The Tracking API answered ${sent.status}`)
    await finished(server.url, EVENTS.length)
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(server.url)
    await page.waitForSelector('#events details.ingested[data-id="order-1"]')
    await testerPicture(page, path.join(DOCS, 'tester.png'))
    await heroPicture(page, path.join(DOCS, 'tester-hero.png'))
    await eventsPicture(page, path.join(DOCS, 'ingest-events.png'))
    await page.waitForSelector('#target option[value^="device-"]', { state: 'attached' })
    await bothModesPicture(page, path.join(DOCS, 'tester-modes.png'))
    const names = ['tester.png', 'tester-hero.png', 'ingest-events.png', 'tester-modes.png']
    console.log(`screenshots: ${names.map((name) => `docs/${name}`).join(', ')}`)
  } finally {
    await browser.close()
    await server.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((error: Error) => {
  console.error(`screenshots: ${error.message}`)
  process.exit(1)
})
