import fs from 'fs'
import path from 'path'
import { once } from 'events'
import type { Command } from 'commander'
import type { JSONObject, SegmentEvent, Subscription } from '@segment/actions-core'
import { loadServerDestination } from '../destinations'
import { findCollector } from '../ingest/running'
import type { ServerDestination } from '../destinations'
import { CollectorAgent } from '../lib/collector-host'
import type { CollectorAddress } from '../lib/collector-host'
import { openEvents } from '../lib/event-files'
import type { EventRecord, EventSource } from '../lib/event-files'
import { PathRefusal, writablePath } from '../lib/files'
import type { ErrorOutput } from '../lib/exchanges'
import { RETRY_POLICY_URL } from '../lib/fate'
import type { FateName } from '../lib/fate'
import { count, wholeNumber } from '../lib/options'
import { PROJECT_ROOT, STATE_DIR } from '../lib/paths'
import { startProgress } from '../lib/progress'
import type { Progress } from '../lib/progress'
import { DEFAULT_RETRY, RETRIED, backoff, sleep } from '../lib/retry'
import type { RetryPolicy } from '../lib/retry'
import { interceptRequests } from '../lib/run'
import { SAMPLE_SETTINGS } from '../lib/samples'
import { routeBatch } from '../routing/route-batch'
import type { EventOutcome } from '../routing/route-batch'
import { eventProblem, eventTime } from '../routing/event-rules'
import { skipReason } from '../routing/route-event'
import { checkSettings, readSettings, withCollector } from '../routing/settings'
import { presetSubscriptions, readSubscriptions } from '../routing/subscriptions'

export interface ReplayOptions {
  settings?: string
  /**
   * The server whose collector answers `convertro.test` (the domain when the settings name none); by default, the
   * running `serve`.
   */
  collector?: string
  /** Where failed events go; by default, see `failedFileFor`. */
  failed?: string
  subscriptions?: string
  /** Batches in flight at once. */
  concurrency: number
  retries: number
  /** Wait before the first retry, in milliseconds; doubled for each later one. */
  retryDelay: number
  dryRun?: boolean
  stats?: boolean
}

/** Events a batch holds: the batch size Segment's runtime uses for these actions by default. */
export const BATCH_SIZE = 100

/** Failures printed one a line; the rest are only counted, and are all in the failed file. */
export const SHOWN_FAILURES = 20

/** A failures file's name is replay's own: an existing file without it is never overwritten. */
const FAILED_SUFFIX = '.failed.jsonl'

/** The failures file beside an input, named after it; replaying that file rewrites it. */
export function failedFileFor(input: string): string {
  if (input === '-') return `replay${FAILED_SUFFIX}`
  const base = input.replace(/\.gz$/i, '').replace(/\.(jsonl|ndjson|json)$/i, '')
  return `${base.replace(/\.failed$/, '')}${FAILED_SUFFIX}`
}

/** The fates of a failed file's events: `events.failed.jsonl` → `events.failed.fates.jsonl`. */
export const fatesFileFor = (failed: string) => failed.replace(/\.jsonl$/i, '') + '.fates.jsonl'

/** A failed event's line in the fates file: where it was, and its fate on each subscription it failed on. */
interface FailedFate {
  where: string
  messageId?: string
  /** `retry` when Segment would retry it on some subscription, else `drop`. */
  fate: FateName
  failures: { subscription: string; fate: FateName; status?: number; reason: string }[]
}

const inside = (file: string, folder: string) => !path.relative(folder, file).startsWith('..')

/**
 * Where a run's failed events go: `--failed`, else beside the input, unless the input is one of the project's
 * examples or its folder cannot be written: then under `.convertro/failed/`. The run's last line names it.
 */
function failedPath(input: string, given: string | undefined): string {
  if (given) return given
  const beside = path.resolve(failedFileFor(input))
  const besideOk = () => {
    try {
      writablePath(beside, '--failed')
      return true
    } catch {
      return false
    }
  }
  if (!inside(beside, path.join(PROJECT_ROOT, 'examples')) && besideOk()) return failedFileFor(input)
  return path.relative(process.cwd(), path.join(STATE_DIR, 'failed', path.basename(beside)))
}

/** The failures file's real path, once it is known to be one replay may write: new, empty, or its own. */
function checkFailedFile(file: string): string {
  const real = writablePath(file, '--failed')
  const size = fs.existsSync(real) ? fs.statSync(real).size : 0
  if (size > 0 && !real.endsWith(FAILED_SUFFIX)) {
    throw new PathRefusal(
      `--failed ${file} is not a failures file replay wrote (their names end in ${FAILED_SUFFIX}): ` +
        'it is left as it is; give --failed a new file'
    )
  }
  return real
}

/**
 * The failed events, one a line, written only once something fails. A run of the failed file itself writes
 * beside it and takes its place at the end, so it is never overwritten while it is read.
 */
class FailedFile {
  private out?: fs.WriteStream
  private fatesOut?: fs.WriteStream
  private readonly writing: string
  /** Each failed event's fate, line for line with the failed file, which keeps the events as they came. */
  readonly fates: string
  private readonly realFates: string

  /** `file` as the run names it; `real`, its real path, where it is written. */
  constructor(readonly file: string, private readonly real: string, input: string) {
    const rereading = input !== '-' && fs.existsSync(input) && fs.realpathSync(input) === real
    this.writing = rereading ? `${real}.${process.pid}.partial` : real
    this.fates = fatesFileFor(file)
    this.realFates = fatesFileFor(real)
  }

  async add(text: string, fate: FailedFate): Promise<void> {
    this.out ??= fs.createWriteStream(this.writing)
    this.fatesOut ??= fs.createWriteStream(this.realFates)
    // Both lines in the same turn, so concurrent batches never set the two files out of step.
    const waits = [this.out.write(`${text}\n`) ? undefined : once(this.out, 'drain')]
    waits.push(this.fatesOut.write(`${JSON.stringify(fate)}\n`) ? undefined : once(this.fatesOut, 'drain'))
    await Promise.all(waits)
  }

  /** Closes the files; when nothing failed, removes those an earlier run left and says whether it did. */
  async close(removeStale: boolean): Promise<boolean> {
    if (this.out && this.fatesOut) {
      this.out.end()
      this.fatesOut.end()
      await Promise.all([once(this.out, 'close'), once(this.fatesOut, 'close')])
      if (this.writing !== this.real) fs.renameSync(this.writing, this.real)
      return false
    }
    if (removeStale) fs.rmSync(this.realFates, { force: true })
    if (!removeStale || !fs.existsSync(this.real)) return false
    fs.rmSync(this.real)
    return true
  }
}

interface Totals {
  read: number
  done: number
  requests: number
  skipped: number
  failed: number
  /** Events sent on every subscription they matched. */
  delivered: number
  /** Failed events Segment would retry (after this run's own retries gave up), and those it would drop. */
  retry: number
  drop: number
}

/** One subscription's failure of an event, for the failure line. */
interface Failure {
  subscription: Subscription
  error: ErrorOutput
}

class Replay {
  readonly totals: Totals = { read: 0, done: 0, requests: 0, skipped: 0, failed: 0, delivered: 0, retry: 0, drop: 0 }
  private shown = 0
  progress?: Progress

  constructor(
    private readonly destination: ServerDestination,
    private readonly settings: JSONObject,
    private readonly subscriptions: Subscription[],
    private readonly retry: RetryPolicy,
    private readonly failedFile: FailedFile | undefined,
    private readonly print: ((line: string) => Promise<void>) | undefined
  ) {}

  private async fail(record: EventRecord, why: string, failures: FailedFate['failures']): Promise<void> {
    this.totals.failed += 1
    const fate = failures.some((failure) => failure.fate === 'retry') ? 'retry' : 'drop'
    this.totals[fate] += 1
    const messageId = record.event?.messageId
    const hasId = typeof messageId === 'string' && messageId !== ''
    if (this.shown < SHOWN_FAILURES) {
      this.shown += 1
      this.log(`replay: ${record.where}${hasId ? ` (messageId ${messageId})` : ''}: ${why}`)
    }
    await this.failedFile?.add(record.text(), { where: record.where, ...(hasId && { messageId }), fate, failures })
  }

  log(line: string): void {
    if (this.progress) this.progress.log(line)
    else console.error(line)
  }

  /** How much was shown of the failures, and where the rest are. */
  shownNote(): string | undefined {
    const rest = this.totals.failed - this.shown
    if (rest <= 0) return undefined
    return `replay: … and ${rest} more in ${this.failedFile ? this.failedFile.file : 'no file (a dry run writes none)'}`
  }

  private describe({ subscription, error }: Failure): string {
    const name = subscription.name ?? subscription.partnerAction
    const gaveUp = error.retryable && this.retry.retries > 0 ? ` Gave up after ${this.retry.retries} retries.` : ''
    return `${name}: ${error.summary}${gaveUp}`
  }

  /** Runs the events through every subscription, then retries each retryable failure on its subscription alone. */
  private async route(events: SegmentEvent[]): Promise<EventOutcome[][]> {
    const routing = await routeBatch(this.destination, events, this.settings, this.subscriptions)
    this.totals.requests += routing.requests
    const outcomes = routing.outcomes
    for (let retry = 1; retry <= this.retry.retries; retry++) {
      const pending = outcomes.map((list) =>
        list.flatMap((outcome, index) => (outcome.result === 'failed' && outcome.error.retryable ? [index] : []))
      )
      if (pending.every((indices) => indices.length === 0)) break
      await sleep(backoff(this.retry, retry))
      for (const [s, indices] of pending.entries()) {
        if (indices.length === 0) continue
        const again = indices.map((index) => events[index])
        const retried = await routeBatch(this.destination, again, this.settings, [this.subscriptions[s]])
        this.totals.requests += retried.requests
        retried.outcomes[0].forEach((outcome, k) => (outcomes[s][indices[k]] = outcome))
      }
    }
    return outcomes
  }

  async batch(read: EventRecord[]): Promise<void> {
    const records = read.map(checked)
    const skipped = records.map((record) => !record.problem && record.event !== undefined && skipReason(record.event))
    const routed = records.filter((record, index) => !record.problem && !skipped[index])
    const outcomes = await this.route(routed.map((record) => record.event as SegmentEvent))
    const requests: string[] = []
    let next = 0
    // In the input's order, so the failure lines and the failed file follow it.
    for (const [index, record] of records.entries()) {
      if (record.problem) {
        // The Tracking API refuses such an event: it never reaches a destination.
        const failure = { subscription: 'Tracking API', fate: 'drop' as const, status: 400, reason: record.problem }
        await this.fail(record, record.problem, [failure])
        continue
      }
      if (skipped[index]) {
        this.totals.skipped += 1
        continue
      }
      const mine = outcomes.map((list) => list[next])
      next += 1
      for (const outcome of mine) if (outcome.result !== 'unmatched') requests.push(...outcome.urls)
      const failures = mine.flatMap((outcome, s): Failure[] =>
        outcome.result === 'failed' ? [{ subscription: this.subscriptions[s], error: outcome.error }] : []
      )
      if (failures.length > 0) {
        const fates = failures.map(({ subscription, error: { fate } }) => ({
          subscription: subscription.name ?? subscription.partnerAction,
          fate: fate.fate,
          ...(fate.status !== undefined && { status: fate.status }),
          reason: fate.reason
        }))
        await this.fail(record, failures.map((failure) => this.describe(failure)).join('; '), fates)
      } else if (mine.every((outcome) => outcome.result === 'unmatched')) this.totals.skipped += 1
      else this.totals.delivered += 1
    }
    // A batch's requests together, so concurrent batches never interleave them.
    if (this.print && requests.length > 0) await this.print(requests.map((url) => `GET ${url}`).join('\n'))
    this.totals.done += records.length
  }
}

/**
 * The record with the problem the Tracking API would refuse its event for (the same rules, except that an
 * archived event must carry its time), and its time where Segment would put it, as the Tracking API does.
 */
function checked(record: EventRecord): EventRecord {
  if (record.problem || !record.event) return record
  const problem = eventProblem(record.event, 'the event', { archived: true })
  if (problem) return { ...record, problem: problem.message }
  const event = record.event as unknown as Record<string, unknown>
  return { ...record, event: { ...event, timestamp: eventTime(event) } as unknown as SegmentEvent }
}

/** Writes a line to standard output, waiting when the reader is slower than the run. */
async function printLine(line: string): Promise<void> {
  if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain')
}

/** Reads records in batches and keeps at most `concurrency` batches in flight; reading waits while they are. */
async function runBatches(source: EventSource, replay: Replay, concurrency: number): Promise<void> {
  const inFlight = new Set<Promise<void>>()
  let broken: unknown
  const launch = async (records: EventRecord[]) => {
    while (inFlight.size >= concurrency) await Promise.race(inFlight)
    const running: Promise<void> = replay
      .batch(records)
      .catch((error: unknown) => void (broken ??= error))
      .finally(() => inFlight.delete(running))
    inFlight.add(running)
  }
  let records: EventRecord[] = []
  try {
    for await (const record of source.records) {
      if (broken) break
      replay.totals.read += 1
      records.push(record)
      if (records.length === BATCH_SIZE) {
        await launch(records)
        records = []
      }
    }
  } finally {
    // Whatever stopped the reading, the events already read are sent.
    if (records.length > 0 && !broken) await launch(records)
    await Promise.all(inFlight)
  }
  if (broken) throw broken
}

/** Shows the run's progress while it reads and sends; a read error ends the run and is returned. */
async function runWithProgress(source: EventSource, run: Replay, concurrency: number): Promise<Error | undefined> {
  const totals = run.totals
  // A file's total is estimated from the bytes read so far: events per byte, times its size.
  const estimate = (size: number) => {
    const bytes = source.position()
    return bytes > 0 && totals.read > 0 ? Math.round((totals.read / bytes) * size) : undefined
  }
  const counts = () => ({
    events: totals.done,
    failed: totals.failed,
    total: source.size === undefined ? undefined : estimate(source.size)
  })
  run.progress = startProgress('replay', counts, source.size !== undefined)
  try {
    await runBatches(source, run, concurrency)
    return undefined
  } catch (error) {
    return error as Error
  } finally {
    run.progress.stop()
    run.progress = undefined
  }
}

/** The lines after the run: what was not shown, where the failures are, and the figures asked for. */
async function report(run: Replay, failedFile: FailedFile | undefined, removeStale: boolean, stats?: number) {
  const note = run.shownNote()
  if (note) console.error(note)
  const removed = await failedFile?.close(removeStale)
  if (failedFile && run.totals.failed > 0) {
    const { delivered, retry, drop } = run.totals
    console.error(`replay: ${run.totals.failed} failed event(s) in ${failedFile.file}: replay it to try them again`)
    console.error(
      `replay: fates: ${delivered} delivered, ${retry} retry (Segment retries for up to four hours: ${RETRY_POLICY_URL}), ${drop} drop; each failed event's in ${failedFile.fates}`
    )
  }
  if (removed) console.error(`replay: nothing failed: removed ${failedFile?.file}, left by an earlier run`)
  if (stats !== undefined) {
    const seconds = Math.max((Date.now() - stats) / 1000, 0.001)
    const peak = Math.round(process.resourceUsage().maxRSS / 1024)
    console.error(`replay: peak memory ${peak} MB, ${Math.round(run.totals.read / seconds)} events/s`)
  }
}

/**
 * Replays a file of Segment events through the destination's subscriptions, as the ingest server routes them,
 * and prints `replay: N events, M requests, K skipped, F failed`. Exits 1 when an event failed.
 */
export async function replay(input: string, options: ReplayOptions): Promise<number> {
  const startedAt = Date.now()
  // Known once the settings are: the destination's requests are connected only once it sends.
  const found: { collector?: CollectorAddress } = {}
  const agent = new CollectorAgent(() => found.collector)
  const destination = await loadServerDestination({ agent })
  const given = options.settings ? readSettings(options.settings) : SAMPLE_SETTINGS
  const subscriptions = options.subscriptions
    ? readSubscriptions(options.subscriptions, destination.definition)
    : presetSubscriptions(destination.definition)
  // Bad settings are named before any server is looked for.
  const settings = withCollector(given)
  await checkSettings(destination.definition, settings)
  found.collector = await findCollector('replay', settings, destination.rules.parseDomain, options)
  const failedName = options.dryRun ? undefined : failedPath(input, options.failed)
  const failedReal = failedName === undefined ? undefined : checkFailedFile(failedName)
  const source = await openEvents(input)

  if (options.dryRun) await interceptRequests()
  const failedFile = failedName && failedReal ? new FailedFile(failedName, failedReal, input) : undefined
  const retry = { ...DEFAULT_RETRY, retries: options.retries, delayMs: options.retryDelay }
  const run = new Replay(
    destination,
    settings,
    subscriptions,
    retry,
    failedFile,
    options.dryRun ? printLine : undefined
  )
  const readError = await runWithProgress(source, run, options.concurrency)
  if (readError) console.error(`replay: ${readError.message}`)
  await report(run, failedFile, input !== '-' && !readError, options.stats ? startedAt : undefined)
  const { read, requests, skipped, failed } = run.totals
  console.log(`replay: ${read} events, ${requests} requests, ${skipped} skipped, ${failed} failed`)
  return failed > 0 || readError ? 1 : 0
}

export function configure(command: Command): void {
  command
    .argument('<events>', 'JSON-lines file of events (gzipped or not) or a JSON array file; - reads standard input')
    .option(
      '-s, --settings <file>',
      'destination settings as JSON, or migrate’s output (default: the sample settings); with no domain, calls go to convertro.test: the collector of the running npm start, whatever its port'
    )
    .option(
      '--collector <url>',
      'the server (e.g. http://127.0.0.1:3000) whose collector answers calls to convertro.test, the domain when the settings name none (default: the running npm start)'
    )
    .option(
      '--failed <file>',
      'where failed events go (default: beside the input as NAME.failed.jsonl, or .convertro/failed/ for the project’s examples and folders that cannot be written)'
    )
    .option('--subscriptions <file>', 'subscriptions as migrate prints them (default: the automatic presets)')
    .option(
      '--concurrency <n>',
      'batches of 100 events sent at once; each batch sends up to 10 Convertro calls at once',
      wholeNumber(1),
      4
    )
    .option('--retries <n>', `retries of a failure Segment retries (${RETRIED})`, count, DEFAULT_RETRY.retries)
    .option(
      '--retry-delay <ms>',
      'wait before the first retry, doubled for each later one (up to 30 s)',
      count,
      DEFAULT_RETRY.delayMs
    )
    .option('--dry-run', 'intercept the requests: print them, send nothing')
    .option('--stats', 'print the peak memory and the events per second on standard error')
    .action(async (events: string, options: ReplayOptions) => {
      process.exitCode = await replay(events, options)
    })
}
