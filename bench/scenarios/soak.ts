import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import type { SegmentEvent } from '@segment/actions-core'
import { COMPACT_BYTES } from '../../src/cli/ingest/pipeline'
import { INGEST_CONCURRENCY } from '../../src/cli/server/app'
import type { Config } from '../lib/config'
import { getJson, request } from '../lib/http'
import { TRAFFIC_MIX } from '../lib/fixtures'
import { fmt } from '../lib/stats'
import type { Row } from '../lib/stats'

/** Events per `POST /v1/batch`, and requests in flight at once: an app's SDK flushing under load. */
const BATCH_SIZE = 100
const BATCHES_IN_FLIGHT = 8
/**
 * Events the sender lets wait in the server at most: an app whose stream the server keeps up with. A stream faster
 * than the server drains piles up in its memory and journal, which the backlog figures show as it happens.
 */
const BACKLOG_CAP = 5000
const POLL_MS = 25
/** What the dedupe window costs an id at most: in memory (log and index), and on disk (the ids file). */
const WINDOW_BYTES_PER_ID = 32
const IDS_FILE_BYTES_PER_ID = 16
const MB = 1024 * 1024

/**
 * Event `index`: one of 97 users, with a message id shaped like the SDKs' (a UUID) and a device id of its own,
 * which its one Convertro call carries as `sid`: the collector's records say which event each call was for.
 */
function eventOf(index: number): SegmentEvent {
  const template = TRAFFIC_MIX[index % TRAFFIC_MIX.length]
  const user = index % 97
  return {
    ...template,
    messageId: `5e0a1c2d-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
    userId: `user-${user}`,
    anonymousId: `anon-${user}`,
    context: { ...template.context, device: { id: `device-${index}` } }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface View {
  counts: Record<'accepted' | 'duplicates' | 'sent' | 'skipped' | 'failed' | 'pending', number>
  backlog: { waiting: number; drainPerSecond: number }
  journal: { bytes: number; idsBytes: number }
  dedupe: { ids: number; bytes: number }
}

interface Memory {
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
}

/** One sample: taken once the events acknowledged reach a multiple of the sampling step and the backlog drained. */
export interface SoakSample {
  events: number
  /** The server process: 1, then 2 after the kill. */
  run: number
  seconds: number
  rss: number
  heapUsed: number
  arrayBuffers: number
  journal: number
  ids: number
  collector: number
  windowIds: number
  windowBytes: number
  /** Events waiting, and the drain rate the server reported, when the step's last batch was acknowledged. */
  waiting: number
  drainPerSecond: number
  /** Events a second through the step: from its first batch posted to its last event finished. */
  perSecond: number
}

/** `serve` in a process of its own (soak-server.ts), on the scenario's folder. */
class Server {
  private child?: ChildProcess
  url = ''
  readonly logs: string[] = []
  private answer?: (memory: Memory) => void

  async start(dir: string): Promise<void> {
    const child = fork(path.join(__dirname, 'soak-server.ts'), [dir], {
      execArgv: ['--expose-gc', '-r', 'ts-node/register/transpile-only'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc']
    })
    this.child = child
    this.url = await new Promise<string>((resolve, reject) => {
      child.on('message', (message: { url?: string; log?: string; sample?: Memory }) => {
        if (message.url) resolve(message.url)
        if (message.log) this.logs.push(message.log)
        if (message.sample) this.answer?.(message.sample)
      })
      child.once('exit', (code) => reject(new Error(`soak: the server exited with ${code} before it answered`)))
    })
  }

  /** Its memory, after a full GC. */
  sample(): Promise<Memory> {
    return new Promise((resolve) => {
      this.answer = resolve
      this.child?.send('sample')
    })
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill(signal)
    await exited
  }
}

const sizeOf = (file: string) => {
  try {
    return fs.statSync(file).size
  } catch {
    return 0
  }
}

/** Least-squares growth of `y` over the samples' events, from the first sample to the last. */
function fitted(samples: SoakSample[], y: (sample: SoakSample) => number): number {
  const n = samples.length
  if (n < 2) return 0
  const xs = samples.map((sample) => sample.events)
  const ys = samples.map(y)
  const mx = xs.reduce((a, b) => a + b) / n
  const my = ys.reduce((a, b) => a + b) / n
  const sxy = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i] - my), 0)
  const sxx = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0)
  return (sxy / sxx) * (xs[n - 1] - xs[0])
}

/** How many records the collector holds for each event (by the `sid` its call carries), and any others. */
async function recordedCalls(file: string, events: number): Promise<{ perEvent: Uint8Array; other: number }> {
  const perEvent = new Uint8Array(events)
  let other = 0
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  for await (const line of lines) {
    const match = /"sid":"device-(\d+)"/.exec(line)
    const index = match ? Number(match[1]) : -1
    if (index >= 0 && index < events && line.includes('"status":200'))
      perEvent[index] = Math.min(255, perEvent[index] + 1)
    else if (line !== '') other++
  }
  return { perEvent, other }
}

/** The samples as a Markdown table, as docs/benchmarks.md shows them. */
export function samplesTable(samples: SoakSample[]): string {
  const header = [
    'events',
    'run',
    'time',
    'RSS',
    'heap',
    'array buffers',
    'journal',
    'ids file',
    'collector file',
    'window ids',
    'window memory',
    'waiting',
    'events/s'
  ]
  const mb = (bytes: number) => `${fmt(bytes / MB)} MB`
  const lines = samples.map((s) => [
    s.events.toLocaleString('en'),
    String(s.run),
    `${Math.round(s.seconds)} s`,
    mb(s.rss),
    mb(s.heapUsed),
    mb(s.arrayBuffers),
    mb(s.journal),
    mb(s.ids),
    mb(s.collector),
    s.windowIds.toLocaleString('en'),
    mb(s.windowBytes),
    s.waiting.toLocaleString('en'),
    fmt(s.perSecond)
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)))
  const render = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`
  return [render(header), render(widths.map((width) => '-'.repeat(width))), ...lines.map(render)].join('\n')
}

/**
 * A long run of `serve` under an app's stream: `cfg.soakEvents` events posted to `/v1/batch` (batches of 100, 8
 * in flight) and routed to the embedded collector, with memory (after a full GC), the journal, the ids file and the
 * collector's file sampled every `cfg.soakEvery` events once the backlog has drained; a kill -9 half a step past the
 * middle, while batches are in flight and events wait, and a restart on the same files that finishes the rest. Then
 * every event's calls are counted in the collector's file: each must be there once, but for the calls under way
 * at the kill, which may be there twice.
 */
export async function soak(cfg: Config): Promise<Row[]> {
  const total = cfg.soakEvents
  const step = cfg.soakEvery
  if (step % BATCH_SIZE !== 0 || total % step !== 0) {
    throw new Error(`soak: the step (${step}) must be whole batches of ${BATCH_SIZE}, and the events whole steps`)
  }
  const killAt = Math.floor(total / 2 / step) * step + step / 2
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-bench-soak-'))
  const agent = new http.Agent({ keepAlive: true, maxSockets: BATCHES_IN_FLIGHT + 1 })
  const server = new Server()
  const started = Date.now()
  const deadline = started + cfg.soakMinutes * 60_000
  const samples: SoakSample[] = []
  let run = 1
  let acknowledged = 0
  let resent = 0
  let restart: { at: number; seconds: number; requeued: string; journal: number } | undefined
  /** Resolved while the server answers; replaced by a pending one while it restarts. */
  let up: Promise<void> = Promise.resolve()
  let latest: View | undefined
  let stopped = false
  let killed = false

  const view = () => getJson<View>(agent, `${server.url}ingest/events?limit=1`)

  const killAndRestart = async () => {
    let release!: () => void
    up = new Promise((resolve) => (release = resolve))
    const at = acknowledged
    const journal = sizeOf(path.join(dir, 'ingest.jsonl'))
    await server.kill('SIGKILL')
    const killedAt = Date.now()
    const logged = server.logs.length
    await server.start(dir)
    run = 2
    restart = {
      at,
      seconds: (Date.now() - killedAt) / 1000,
      requeued: server.logs.slice(logged).find((line) => line.includes('queued again')) ?? 'nothing queued again',
      journal
    }
    console.log(
      `  soak: kill -9 at ${at.toLocaleString('en')} events acknowledged; restarted in ${fmt(restart.seconds)} s: ${
        restart.requeued
      }`
    )
    release()
  }

  /** Posts one batch until it is answered 200, through the restart, as an SDK retries. */
  const post = async (batch: number) => {
    const first = batch * BATCH_SIZE
    const body = JSON.stringify({ batch: Array.from({ length: BATCH_SIZE }, (_, i) => eventOf(first + i)) })
    for (let attempt = 0; ; attempt++) {
      await up
      while ((latest?.counts.pending ?? 0) > BACKLOG_CAP && !stopped) await sleep(POLL_MS)
      try {
        const { status, text } = await request(agent, `${server.url}v1/batch`, body)
        if (status === 200) break
        if (status !== 503) throw new Error(`soak: POST /v1/batch: ${status} ${text}`)
      } catch (error) {
        if ((error as Error).message.startsWith('soak:')) throw error
        // The connection went with the server: sent again once it is back, as an SDK does.
      }
      if (attempt === 0) resent++
      await sleep(100)
    }
    acknowledged += BATCH_SIZE
    if (acknowledged >= killAt && !killed) {
      killed = true
      await killAndRestart()
    }
  }

  const poller = (async () => {
    while (!stopped) {
      await up
      latest = await view().catch(() => latest)
      await sleep(POLL_MS)
    }
  })()

  const drained = async () => {
    for (;;) {
      await up
      const current = await view().catch(() => undefined)
      if (current && current.counts.pending === 0) return current
      await sleep(POLL_MS)
    }
  }

  try {
    await server.start(dir)
    for (let from = 0; from < total && Date.now() < deadline; from += step) {
      const stepStarted = Date.now()
      const batches = Array.from({ length: step / BATCH_SIZE }, (_, i) => from / BATCH_SIZE + i)
      let next = 0
      await Promise.all(
        Array.from({ length: BATCHES_IN_FLIGHT }, async () => {
          while (next < batches.length && Date.now() < deadline) await post(batches[next++])
        })
      )
      if (next < batches.length) break
      const atEnd = latest
      const current = await drained()
      const memory = await server.sample()
      const sample: SoakSample = {
        events: from + step,
        run,
        seconds: (Date.now() - started) / 1000,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        arrayBuffers: memory.arrayBuffers,
        journal: sizeOf(path.join(dir, 'ingest.jsonl')),
        ids: sizeOf(path.join(dir, 'ingest.jsonl.ids')),
        collector: sizeOf(path.join(dir, 'collector.jsonl')),
        windowIds: current.dedupe.ids,
        windowBytes: current.dedupe.bytes,
        waiting: atEnd?.backlog.waiting ?? 0,
        drainPerSecond: atEnd?.backlog.drainPerSecond ?? 0,
        perSecond: (step / (Date.now() - stepStarted)) * 1000
      }
      samples.push(sample)
      console.log(
        `  soak: ${sample.events.toLocaleString('en')} events, run ${run}, ${Math.round(sample.seconds)} s: RSS ${fmt(
          sample.rss / MB
        )} MB, heap ${fmt(sample.heapUsed / MB)} MB, journal ${fmt(sample.journal / MB)} MB, ids ${fmt(
          sample.ids / MB
        )} MB, ${fmt(sample.perSecond)} events/s`
      )
    }
    stopped = true
    await poller
    const final = await drained()
    await server.kill('SIGTERM')

    const sentAll = acknowledged === total
    const { perEvent, other } = await recordedCalls(path.join(dir, 'collector.jsonl'), acknowledged)
    let once = 0
    let twice = 0
    let missing = 0
    let more = 0
    for (const count of perEvent) {
      if (count === 1) once++
      else if (count === 0) missing++
      else if (count === 2) twice++
      else more++
    }
    const seconds = (Date.now() - started) / 1000
    console.log(`\nsoak samples (${fmt(seconds / 60)} min):\n\n${samplesTable(samples)}\n`)
    if (missing > 0 || more > 0 || other > 0 || final.counts.failed > 0 || final.counts.skipped > 0) {
      throw new Error(
        `soak: of ${acknowledged} events acknowledged, ${missing} not recorded, ${more} recorded more than twice, ` +
          `${other} other records; ${JSON.stringify(final.counts)}`
      )
    }

    const warm = (runNumber: number, from: number) =>
      samples.filter((sample) => sample.run === runNumber && sample.events >= from)
    const segments = [warm(1, cfg.soakWarmup), warm(2, killAt + cfg.soakWarmup)]
    const rows: Row[] = []
    segments.forEach((segment, index) => {
      if (segment.length < 2) return
      const first = segment[0]
      const last = segment[segment.length - 1]
      const ids = last.events - first.events
      const span = `run ${index + 1}, ${first.events.toLocaleString('en')}–${last.events.toLocaleString('en')} events`
      const rss = fitted(segment, (sample) => sample.rss)
      const memoryAllowed = ids * WINDOW_BYTES_PER_ID
      rows.push(
        row(
          cfg.smoke,
          `RSS growth after warm-up (${span})`,
          rss,
          memoryAllowed,
          `${WINDOW_BYTES_PER_ID} B × ${ids.toLocaleString('en')} ids`,
          `least squares over ${segment.length} samples; ${fmt(first.rss / MB)} → ${fmt(last.rss / MB)} MB; heap ${fmt(
            first.heapUsed / MB
          )} → ${fmt(last.heapUsed / MB)} MB; dedupe window ${fmt(first.windowBytes / MB)} → ${fmt(
            last.windowBytes / MB
          )} MB`
        )
      )
      const disk = (sample: SoakSample) => sample.journal + sample.ids
      const diskAllowed = ids * IDS_FILE_BYTES_PER_ID + COMPACT_BYTES
      rows.push(
        row(
          cfg.smoke,
          `journal + ids growth after warm-up (${span})`,
          disk(last) - disk(first),
          diskAllowed,
          `${IDS_FILE_BYTES_PER_ID} B × ${ids.toLocaleString('en')} ids + ${fmt(COMPACT_BYTES / MB)} MB`,
          `journal ${segment.map((sample) => fmt(sample.journal / MB)).join(', ')} MB; ids file ${fmt(
            first.ids / MB
          )} → ${fmt(last.ids / MB)} MB`
        )
      )
    })
    const allOnce = sentAll && missing === 0 && twice <= INGEST_CONCURRENCY
    rows.push({
      scenario: 'soak',
      figure: 'events accepted, sent once, recorded once',
      value: once,
      low: once,
      high: once,
      unit: 'events',
      target: `all ${total.toLocaleString('en')}; ≤ ${INGEST_CONCURRENCY} twice (under way at the kill)`,
      met: allOnce,
      detail: `${acknowledged.toLocaleString('en')} acknowledged (${resent} batch${
        resent === 1 ? '' : 'es'
      } posted again after the kill, ${final.counts.duplicates.toLocaleString(
        'en'
      )} events of them acknowledged as duplicates); recorded once ${once.toLocaleString(
        'en'
      )}, twice ${twice}, missing ${missing}; ${fmt(seconds / 60)} min`
    })
    rows.push({
      scenario: 'soak',
      figure: `kill -9 at ${(restart?.at ?? killAt).toLocaleString('en')} events, restart`,
      value: restart?.seconds ?? NaN,
      low: restart?.seconds ?? NaN,
      high: restart?.seconds ?? NaN,
      unit: 's',
      target: 'finishes the rest',
      met: restart !== undefined && sentAll && final.counts.pending === 0,
      detail: restart
        ? `restart on a ${fmt(restart.journal / MB)} MB journal: ${restart.requeued}; then ${(
            total - restart.at
          ).toLocaleString('en')} more events`
        : `not reached: ${acknowledged} events acknowledged before the ${cfg.soakMinutes}-minute limit`
    })
    soakResults.samples = samples
    return rows
  } finally {
    stopped = true
    await server.kill('SIGKILL')
    agent.destroy()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** The last soak run's samples, for the results file. */
export const soakResults: { samples: SoakSample[] } = { samples: [] }

/**
 * A growth figure and its allowance. The smoke run's few thousand events are too few for a growth worth judging
 * (RSS moves by more than that from one sample to the next): it shows the figure, and judges only what it did.
 */
function row(smoke: boolean, figure: string, growth: number, allowed: number, allowance: string, detail: string): Row {
  return {
    scenario: 'soak',
    figure,
    value: growth / MB,
    low: growth / MB,
    high: growth / MB,
    unit: 'MB',
    target: `≤ ${fmt(allowed / MB)} MB (${allowance})${smoke ? ', not judged in --smoke' : ''}`,
    met: smoke ? undefined : growth <= allowed,
    detail
  }
}
