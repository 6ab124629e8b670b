import fs from 'fs'
import path from 'path'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext } from 'playwright-core'

/**
 * The Chromium the browser tests drive, chosen once per run (test/global-setup.ts) in this order:
 * 1. `CHROMIUM_PATH` when set: it must start, a bad one is an error rather than silently replaced;
 * 2. a system Chromium that starts (Debian's `chromium`);
 * 3. the headless Chromium shipped inside the `@sparticuz/chromium` devDependency, so `npm ci` alone is enough.
 * Browser downloads (`playwright install`, puppeteer's) cannot reach their hosts here.
 */
export const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser']

// Without the background-networking flags Chromium keeps dialling Google's hosts, which a closed network refuses.
// The bundled build gets these too, not @sparticuz/chromium's own `args`: those are for AWS Lambda and include
// --disable-web-security, which would switch off the CORS checks the SDK test relies on.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

// Shorter than the suites' hook timeouts, so a browser that hangs at start fails its suite instead of outliving it.
const LAUNCH_TIMEOUT = 30_000

/** How global setup hands its choice to the test workers, which inherit its environment. */
const CHOICE_ENV = 'CONVERTRO_TEST_CHROMIUM'

export interface ChromiumChoice {
  source: 'CHROMIUM_PATH' | 'system' | 'bundled'
  path: string
  /** What the browser reports, e.g. `143.0.7499.0`. */
  version: string
  /** The npm package the binary came from, for the bundled one. */
  packageLabel?: string
}

export interface ChromiumCandidates {
  explicit?: string
  system: string[]
  exists(path: string): boolean
  /** Unpacks the bundled Chromium, once, and says where it is. */
  bundled(): Promise<{ path: string; packageLabel: string }>
  /** Starts the browser and returns its version; throws when it does not start. */
  start(path: string): Promise<string>
}

/** One line on why a launch failed: Playwright's summary, the exit code and the browser's first errors. */
export function reason(error: unknown): string {
  // eslint-disable-next-line no-control-regex
  const lines = (error instanceof Error ? error.message : String(error)).replace(/\u001b\[\d+m/g, '').split('\n')
  const exit = lines.map((line) => /process did exit: (exitCode=\d+)/.exec(line)?.[1]).find(Boolean)
  const errors = lines.flatMap((line) => /^\[pid=\d+\]\[err\] (.+)/.exec(line)?.[1] ?? []).slice(0, 3)
  return lines[0] + (exit ? ` (${exit})` : '') + (errors.length ? `: ${errors.join(' | ')}` : '')
}

/** Picks the first Chromium that starts, in the order above. */
export async function findChromium(candidates: ChromiumCandidates): Promise<ChromiumChoice> {
  const { explicit } = candidates
  if (explicit) {
    try {
      return { source: 'CHROMIUM_PATH', path: explicit, version: await candidates.start(explicit) }
    } catch (error) {
      throw new Error(`CHROMIUM_PATH=${explicit} does not start: ${reason(error)}`)
    }
  }
  const failures: string[] = []
  for (const candidate of candidates.system.filter((file) => candidates.exists(file))) {
    try {
      return { source: 'system', path: candidate, version: await candidates.start(candidate) }
    } catch (error) {
      failures.push(`${candidate}: ${reason(error)}`)
    }
  }
  let packageLabel = '@sparticuz/chromium'
  try {
    const bundled = await candidates.bundled()
    packageLabel = bundled.packageLabel
    return { source: 'bundled', path: bundled.path, version: await candidates.start(bundled.path), packageLabel }
  } catch (error) {
    failures.push(`${packageLabel}: ${reason(error)}`)
  }
  throw new Error(`no Chromium starts (${failures.join('; ')}); set CHROMIUM_PATH to one that does`)
}

export function describeChoice(choice: ChromiumChoice): string {
  const from = choice.source === 'bundled' ? `${choice.packageLabel}, unpacked to` : `${choice.source},`
  return `Chromium ${choice.version} (${from} ${choice.path})`
}

async function start(executablePath: string): Promise<string> {
  const browser = await chromium.launch({ executablePath, args: ARGS, timeout: LAUNCH_TIMEOUT })
  const version = browser.version()
  await browser.close()
  return version
}

/**
 * Unpacks @sparticuz/chromium's brotli-compressed binary under node_modules/.cache, which `npm ci` clears with the
 * package. The package itself unpacks into os.tmpdir() and reuses any `chromium` it finds there, half-written or
 * another version's: here it unpacks into a fresh folder that is renamed into place only once complete.
 */
async function bundledChromium(): Promise<{ path: string; packageLabel: string }> {
  // Its `exports` hide package.json: go up from build/cjs/index.cjs.
  const packageDir = path.resolve(path.dirname(require.resolve('@sparticuz/chromium')), '..', '..')
  const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }
  const packageLabel = `@sparticuz/chromium ${version}`
  const cache = path.join(__dirname, '..', 'node_modules', '.cache')
  const dir = path.join(cache, `sparticuz-chromium-${version}`)
  const executable = path.join(dir, 'chromium')
  if (fs.existsSync(executable)) return { path: executable, packageLabel }

  const { default: packaged } = await import('@sparticuz/chromium')
  fs.mkdirSync(cache, { recursive: true })
  const scratch = fs.mkdtempSync(`${dir}.partial-`)
  try {
    // executablePath() reads os.tmpdir() before its first await, so TMPDIR is restored at once.
    const previous = process.env.TMPDIR
    process.env.TMPDIR = scratch
    let unpacking: Promise<string>
    try {
      unpacking = packaged.executablePath()
    } finally {
      if (previous === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = previous
    }
    const unpacked = await unpacking
    if (unpacked !== path.join(scratch, 'chromium')) throw new Error(`unpacked to ${unpacked}, not into ${scratch}`)
    try {
      fs.renameSync(scratch, dir)
    } catch (error) {
      // Another run finished first: use its copy.
      if (!fs.existsSync(executable)) throw error
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true })
  }
  return { path: executable, packageLabel }
}

/** Chooses the browser with the real file system and a real start; global setup runs it once per run. */
export async function chooseChromium(): Promise<ChromiumChoice> {
  const choice = await findChromium({
    explicit: process.env.CHROMIUM_PATH || undefined,
    system: SYSTEM_CHROMIUMS,
    exists: fs.existsSync,
    bundled: bundledChromium,
    start
  })
  process.env[CHOICE_ENV] = JSON.stringify(choice)
  return choice
}

/** Records that no Chromium starts, so every browser suite fails at once with the reason. */
export function recordNoChromium(error: unknown): void {
  process.env[CHOICE_ENV] = JSON.stringify({ error: reason(error) })
}

let chosen: Promise<ChromiumChoice> | undefined

/** Global setup's choice; chosen here instead when a suite runs without it. */
function chosenChromium(): Promise<ChromiumChoice> {
  const recorded = process.env[CHOICE_ENV]
  if (!recorded) return (chosen ??= chooseChromium())
  const choice = JSON.parse(recorded) as ChromiumChoice | { error: string }
  if ('error' in choice) return Promise.reject(new Error(`Chromium: ${choice.error}`))
  return Promise.resolve(choice)
}

/** A launch whose browser process a signal ended before it answered (`signal=SIGSEGV` in playwright's call log). */
const KILLED_AT_LAUNCH = /process did exit: exitCode=null, signal=SIG[A-Z]+/

/**
 * Launches real headless Chromium, failing loudly (never skipping) when none starts. The packaged Chromium now and
 * then dies on start (SIGSEGV) on a busy machine, taking a whole suite's set-up with it: such a launch is tried once
 * more, as a new process; any other failure, or a second crash, fails.
 */
export async function launchChromium(): Promise<Browser> {
  const { path: executablePath } = await chosenChromium()
  const launch = () => chromium.launch({ executablePath, args: ARGS, timeout: LAUNCH_TIMEOUT })
  try {
    return await launch()
  } catch (error) {
    if (!KILLED_AT_LAUNCH.test(String(error))) throw error
    return launch()
  }
}

/**
 * Awaits every start-up step, then throws the first failure. With Promise.all a failed launch would leave the
 * other steps running unobserved, so afterAll could not close what they start and jest would not exit.
 */
export async function settleAll(steps: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(steps)).find((step) => step.status === 'rejected')
  if (failed) throw failed.reason
}

/** A response the page gets from `answerOnly`. */
export interface Answer {
  contentType: string
  body: string
}

/**
 * Answers every request of the context from `responses` alone, each once `before(url)` has settled, and refuses
 * anything else: the URLs served and refused, in order, show that a page loaded only what it was given.
 */
export async function answerOnly(
  context: BrowserContext,
  responses: Record<string, Answer>,
  before: (url: string) => Promise<void> | void = () => undefined
): Promise<{ served: string[]; refused: string[] }> {
  const served: string[] = []
  const refused: string[] = []
  await context.route('**/*', async (route) => {
    const url = route.request().url()
    const response = responses[url]
    if (response) {
      served.push(url)
      await before(url)
      await route.fulfill({ status: 200, ...response })
    } else {
      refused.push(url)
      await route.abort()
    }
  })
  return { served, refused }
}
