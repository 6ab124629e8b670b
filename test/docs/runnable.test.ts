import { execFile } from 'child_process'
import path from 'path'
import { stop } from 'esbuild'
import type { Plugin } from 'esbuild'
import type { Browser } from 'playwright-core'
import { LIVE_JS, bundleForBrowser } from '../../src/cli/lib/device-mode'
import { PROJECT_ROOT } from '../../src/cli/lib/paths'
import { answerOnly, launchChromium } from '../chromium'
import type { Answer } from '../chromium'
import { docPages, matchesShown, runnableBlocks } from './markdown'

// Commands run as spawned processes, and bundling analytics-next and starting Chromium take seconds.
jest.setTimeout(120_000)

const blocks = docPages().flatMap((page) => runnableBlocks(page).map((block) => ({ page, ...block })))

/** A block of `$ command` lines, each followed by the output the page shows for it. */
function commandsOf(code: string): { command: string; shown: string[] }[] {
  const runs: { command: string; shown: string[] }[] = []
  for (const line of code.split('\n')) {
    if (line.startsWith('$ ')) runs.push({ command: line.slice(2), shown: [] })
    else if (runs.length) runs[runs.length - 1].shown.push(line)
    else throw new Error(`output before any command: ${line}`)
  }
  return runs
}

/** What a command prints from the project's folder: its standard output, then its standard error. */
function run(command: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { cwd: PROJECT_ROOT, env: { ...process.env, TZ: 'UTC' } }, (error, out, err) => {
      if (error) reject(new Error(`${command} failed: ${error.message}\n${out}${err}`))
      else resolve(`${out}${err}`.replace(/\n$/, '').split('\n'))
    })
  })
}

describe('runnable blocks in the docs', () => {
  const outputs = blocks.filter(({ name }) => name === 'output')

  it('are found where the docs mark them', () => {
    expect(outputs.length).toBeGreaterThanOrEqual(5)
    expect(blocks.map(({ name }) => name)).toEqual(
      expect.arrayContaining(['device-mode-page.js', 'device-mode-page.html', 'device-mode-page.pushes'])
    )
  })

  it.each(outputs.map(({ page, line, code }) => [`${page}:${line}`, code]))(
    '%s prints what the page shows',
    async (_where, code) => {
      for (const { command, shown } of commandsOf(code)) {
        const printed = await run(command)
        if (!matchesShown(shown, printed)) {
          throw new Error(`${command} printed:\n${printed.join('\n')}\n\nwhere the page shows:\n${shown.join('\n')}`)
        }
      }
    }
  )
})

describe('device mode in your own page (docs/send-events.md), as written, in headless Chromium', () => {
  const named = (name: string) => {
    const block = blocks.find((candidate) => candidate.name === name)
    if (!block) throw new Error(`no block marked <!-- runnable: ${name} -->`)
    return block.code
  }
  const PAGE_URL = 'http://localhost:8080/'
  const STAND_IN_URL = 'http://127.0.0.1:3000/device/live.js'
  const PACKAGE = '@segment/analytics-browser-actions-convertro-web'
  let browser: Browser | undefined

  afterAll(async () => {
    await browser?.close()
    await stop()
  })

  it('pushes the identify and both calls of a hybrid order to live.js, loading nothing from Convertro', async () => {
    // The package name the page imports is the browser destination's in Segment's monorepo: here, its source.
    const aliasToSource: Plugin = {
      name: 'convertro-web-source',
      setup(bundler) {
        bundler.onResolve({ filter: new RegExp(`^${PACKAGE}$`) }, () => ({
          path: path.join(PROJECT_ROOT, 'src/browser-destinations/convertro-web/index.ts')
        }))
      }
    }
    const script = await bundleForBrowser({ contents: named('device-mode-page.js'), resolveDir: PROJECT_ROOT }, [
      aliasToSource
    ])
    browser = await launchChromium()
    const context = await browser.newContext()
    const pageErrors: string[] = []
    const responses: Record<string, Answer> = {
      [PAGE_URL]: { contentType: 'text/html', body: named('device-mode-page.html') },
      [new URL('/analytics.js', PAGE_URL).href]: { contentType: 'text/javascript', body: script },
      // What npm start answers there (src/cli/server/device.ts).
      [STAND_IN_URL]: { contentType: 'text/javascript', body: LIVE_JS }
    }
    const { served, refused } = await answerOnly(context, responses)
    try {
      const page = await context.newPage()
      page.on('pageerror', (error) => pageErrors.push(error.message))
      await page.goto(PAGE_URL)
      const expected = JSON.parse(named('device-mode-page.pushes')) as unknown[]
      await page.waitForFunction(
        (count) => ((window as unknown as { convertroReceived?: unknown[] }).convertroReceived?.length ?? 0) >= count,
        expected.length,
        { timeout: 30_000 }
      )
      const received = await page.evaluate(
        () => (window as unknown as { convertroReceived: unknown[] }).convertroReceived
      )
      expect(received).toStrictEqual(expected)
      expect({ served: [...served].sort(), refused, pageErrors }).toStrictEqual({
        served: Object.keys(responses).sort(),
        refused: [],
        pageErrors: []
      })
    } finally {
      await context.close()
    }
  })
})
