import { execFile, spawn } from 'child_process'
import type { ChildProcess } from 'child_process'
import fs from 'fs'
import os from 'os'
import path from 'path'
import { PROJECT_ROOT } from '../lib/paths'
import { SAMPLE_SETTINGS } from '../lib/samples'

export { PROJECT_ROOT }

export interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the CLI as a user does (`bin/run …` in `cwd`), with optional standard input. */
export function cli(
  args: string[],
  { cwd = PROJECT_ROOT, input, env }: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}
): Promise<Run> {
  return new Promise((resolve) => {
    const options = { cwd, env: { ...process.env, ...env }, timeout: 50_000 }
    const child = execFile(path.join(cwd, 'bin/run'), args, options, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
    child.stdin?.end(input ?? '')
  })
}

/** Folders the helpers made, and the servers they started: both gone once the file's tests are. */
const made: string[] = []
const started = new Set<ChildProcess>()

/** Stops a server that is still running, and resolves once it has exited. */
function stopped(child: ChildProcess): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', resolve)
    child.kill('SIGTERM')
  })
}

afterAll(async () => {
  // A server still running would write into a folder being removed: it is stopped first.
  await Promise.all([...started].map(stopped))
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/** A new folder in the temp dir, removed after the test file's tests. */
export function tempDir(prefix = 'convertro-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  made.push(dir)
  return dir
}

/** A copy of the project (sources only, dependencies linked) that a test may change freely. */
export function copyProject(): string {
  const dir = tempDir('convertro-project-')
  for (const entry of ['bin', 'src', 'test', 'examples', 'package.json', 'tsconfig.json', '.prettierrc.json']) {
    fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(dir, entry), { recursive: true })
  }
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'))
  return dir
}

export function tempFile(name: string, content?: unknown): string {
  const file = path.join(tempDir(), name)
  if (content !== undefined) fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
  return file
}

export interface Served {
  url: string
  /** The address the server's socket is bound to, as it reported it. */
  address: string
  child: ChildProcess
  /** Everything the server printed so far. */
  output(): string
  /** Resolves when the server printed a line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>
  /** Sends the signal (SIGTERM by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/**
 * Starts `serve` on a free port (unless `args` name one, or `env` has a PORT) and resolves once it printed its URL.
 */
export async function serve(args: string[] = [], cwd = PROJECT_ROOT, env: NodeJS.ProcessEnv = {}): Promise<Served> {
  // Files of its own unless a test names them, so no test reads or takes up what another server (or a
  // developer's) kept.
  const own = (flag: string, name: string) => (args.includes(flag) ? [] : [flag, tempFile(name)])
  const files = [...own('--journal', 'ingest.jsonl'), ...own('--records', 'collector.jsonl')]
  const port = env.PORT === undefined ? ['--port', '0'] : []
  const child = spawn(path.join(cwd, 'bin/run'), ['serve', ...port, ...files, ...args], {
    cwd,
    env: { ...process.env, ...env }
  })
  started.add(child)
  child.once('exit', () => started.delete(child))
  let output = ''
  const waiters: (() => void)[] = []
  const append = (chunk: Buffer) => {
    output += chunk.toString()
    waiters.splice(0).forEach((wake) => wake())
  }
  child.stdout.on('data', append)
  child.stderr.on('data', append)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  // Never outlive the test: a server that does not say what is awaited within 40 s is stopped.
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`serve did not print ${pattern} within 40 s:\n${output}`))
      }, 40_000)
      const check = () => {
        const match = pattern.exec(output)
        if (match) {
          clearTimeout(timer)
          return resolve(match)
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer)
          return reject(new Error(`serve exited with ${child.exitCode ?? child.signalCode}:\n${output}`))
        }
        waiters.push(check)
      }
      void exited.then(() => waiters.splice(0).forEach((wake) => wake()))
      check()
    })

  const [, url, address] = await waitFor(/Convertro actions server: (\S+) \(bound to (\S+)\)/)
  return {
    url,
    address,
    child,
    output: () => output,
    waitFor,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => {
      child.kill(signal)
      return exited
    }
  }
}

/** JSON over HTTP to a served URL. */
export async function http(
  url: string,
  init: { method?: string; body?: unknown; raw?: string } = {}
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined && init.raw === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json' },
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body))
  })
  const text = await response.text()
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined }
}

/**
 * A stand-in Convertro on loopback answering each call with the next status (the last one repeats). Its `domain` is
 * the collector host with its port, `convertro.test:PORT`, which the local tools connect to 127.0.0.1:PORT.
 */
export async function stubConvertro(
  statuses: number[]
): Promise<{ domain: string; origin: string; url: string; paths: string[]; close(): Promise<void> }> {
  const { createServer } = await import('http')
  const paths: string[] = []
  const server = createServer((req, res) => {
    paths.push(req.url ?? '')
    res.writeHead(statuses[Math.min(paths.length, statuses.length) - 1], { 'content-type': 'text/plain' })
    res.end(`answer ${paths.length}`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    domain: `convertro.test:${port}`,
    /** Where the destination's calls to it go, as its exchanges show them. */
    origin: `https://convertro.test:${port}`,
    /** Where it listens, as `--collector` takes it. */
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

/** A Convertro call as it reached Convertro: the path, and the query decoded. */
export interface ConvertroRequest {
  path: string
  query: Record<string, string>
}

/** Parses a Convertro call's URL (absolute, or a path with its query as a server sees it). */
export function convertroRequest(url: string): ConvertroRequest {
  const parsed = new URL(url, 'http://convertro.invalid')
  return { path: parsed.pathname, query: Object.fromEntries(parsed.searchParams) }
}

/** Calls in a fixed order whatever the order of their query keys, for comparing calls made concurrently. */
export function sortedRequests(requests: ConvertroRequest[]): ConvertroRequest[] {
  const key = ({ path, query }: ConvertroRequest) => JSON.stringify([path, Object.entries(query).sort()])
  return [...requests].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

/** An event the Tracking API accepted, as `GET /ingest/events` shows it. */
export interface IngestedEvent {
  id: string
  status: string
  reason?: string
  attempts: number
  event: { timestamp: string; [key: string]: unknown }
  subscriptions: { partnerAction: string; matched: boolean; requests: { url: string; statusCode: number }[] }[]
}

export interface IngestView {
  counts: { accepted: number; duplicates: number; sent: number; skipped: number; failed: number; pending: number }
  events: IngestedEvent[]
}

/** Each event's status and the Convertro calls its subscriptions made, in the order they made them. */
export function outcomes(view: IngestView) {
  return Object.fromEntries(
    view.events.map((event) => [
      event.id,
      {
        status: event.status,
        reason: event.reason,
        calls: event.subscriptions.flatMap((s) => s.requests.map((request) => convertroRequest(request.url)))
      }
    ])
  )
}

/** The Events view of a served URL. */
export async function ingestView(url: string): Promise<IngestView> {
  return (await http(url + 'ingest/events?limit=1000')).body as IngestView
}

/**
 * Resolves once `accepted` events were accepted and every one of them is done (sent, skipped or failed),
 * with the Events view at that moment.
 */
export async function settled(url: string, accepted: number): Promise<IngestView> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const current = await ingestView(url)
    const { counts } = current
    const done = counts.sent + counts.skipped + counts.failed
    if (counts.accepted === accepted && counts.pending === 0 && done === accepted) return current
    if (Date.now() > deadline) throw new Error(`Events not done within 20 s: ${JSON.stringify(counts)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export interface TrackingServer {
  served: Served
  /** The Tracking API's base URL, as an SDK's host. */
  origin: string
  writeKey: string
  /** The recording Convertro the settings point at. */
  convertro: Awaited<ReturnType<typeof stubConvertro>>
  view(): Promise<IngestView>
  /**
   * Resolves once `accepted` events were accepted and every one of them is done (sent, skipped or failed),
   * with the Events view at that moment.
   */
  settled(accepted: number): Promise<IngestView>
  stop(): Promise<void>
}

/**
 * `serve` with `settings` whose domain is `domain` (a stand-in Convertro), its journal and records in a temp
 * dir: `start` can be called again after a stop, to restart it on the same journal.
 */
export function ingestServer(domain: string, args: string[] = [], settings: Record<string, unknown> = SAMPLE_SETTINGS) {
  const dir = tempDir('convertro-ingest-')
  const journal = path.join(dir, 'ingest.jsonl')
  const settingsFile = path.join(dir, 'settings.json')
  fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, domain }))
  const files = ['--settings', settingsFile, '--journal', journal, '--records', path.join(dir, 'collector.jsonl')]
  const start = (more: string[] = []) => serve(['--no-watch', ...files, ...args, ...more])
  return { dir, journal, start }
}

/**
 * `serve` as an SDK's Tracking API: a write key required, and settings whose domain is a recording Convertro on
 * loopback that answers every call 200.
 */
export async function serveTrackingApi(settings: Record<string, unknown>, writeKey: string): Promise<TrackingServer> {
  const convertro = await stubConvertro([200])
  const { dir, start } = ingestServer(convertro.domain, ['--write-key', writeKey], settings)
  const served = await start()
  const view = () => ingestView(served.url)
  return {
    served,
    origin: served.url.slice(0, -1),
    writeKey,
    convertro,
    view,
    settled: (accepted) => settled(served.url, accepted),
    async stop() {
      await served.stop()
      await convertro.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}
