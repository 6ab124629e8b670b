import type { JSONObject, SegmentEvent, Subscription } from '@segment/actions-core'
import type { Definition } from '../lib/definition'
import { delivered } from '../lib/fate'
import { backoff, sleep } from '../lib/retry'
import { WriteHealth } from '../lib/write-health'
import type { RetryPolicy } from '../lib/retry'
import { routeEvent, skipReason } from '../routing/route-event'
import type { SubscriptionOutcome } from '../routing/route-event'
import { DedupeWindow, fingerprint } from './dedupe'
import type { Fingerprint } from './dedupe'
import { IdsFile } from './ids-file'
import type { StepHook } from './ids-file'
import { Journal } from './journal'
import type { JournalRecord, LockHolder, StoredOutcome, StoredSubscription } from './journal'

export interface IngestOptions {
  journal: string
  /** Events processed at once. */
  concurrency: number
  retry: RetryPolicy
  log: (line: string) => void
  /** Other sizes than the defaults, for tests. */
  limits?: Partial<Limits>
  /** Told each step of a compaction, for tests that stop the process there. */
  step?: StepHook
}

export interface Limits {
  /** Finished events kept whole, in the Events view and the journal. */
  history: number
  /** Bytes of lines the journal no longer needs before it is compacted (and at least half the file). */
  compactBytes: number
  /** Ids gone out of the window before the ids file is written again without them (and at least half the file). */
  idsRewrite: number
}

/** Where events go, read at each attempt so a reloaded destination applies at once. */
export interface Route {
  definition(): Definition
  settings: JSONObject
  subscriptions(): Subscription[]
}

export type EventStatus = 'queued' | 'processing' | 'retrying' | StoredOutcome['status']

/** An ingested event and what became of it, as the Events view shows it. */
export interface IngestedEvent {
  id: string
  receivedAt: string
  status: EventStatus
  event: SegmentEvent
  attempts: number
  /** When a retrying event is tried next. */
  retryAt?: string
  /** When it was finished. */
  doneAt?: string
  reason?: string
  subscriptions: StoredSubscription[]
}

interface Entry extends IngestedEvent {
  /** Subscriptions finished with this event (sent, not matched, or failed for good): never run again. */
  finished: Set<string>
  /** The latest outcome of each subscription run, with the requests of all its attempts. */
  results: Map<string, StoredSubscription>
}

/** Finished events kept for the Events view, and in the journal from one start to the next. */
export const HISTORY = 1000

/**
 * The journal is compacted while the server runs once the lines of events it no longer needs (finished, and older
 * than the newest `HISTORY`) take this many bytes and at least half the file.
 */
export const COMPACT_BYTES = 4 * 1024 * 1024

/** How long compacting waits after it failed (a full disk, say) before it tries again. */
const COMPACT_RETRY_MS = 10_000

/** The ids file is written again without the ids gone out of the window once they are most of it, and this many. */
export const IDS_REWRITE = 65_536

/** Seconds over which the Events view measures how fast events arrive and drain. */
const RATE_SECONDS = 10

/** Events a second over the last `RATE_SECONDS`, counted in one-second buckets. */
class Rate {
  private readonly counts = new Float64Array(RATE_SECONDS)
  private readonly seconds = new Float64Array(RATE_SECONDS).fill(-1)
  private readonly since = Date.now()

  add(events: number, now = Date.now()): void {
    const second = Math.floor(now / 1000)
    const bucket = second % RATE_SECONDS
    if (this.seconds[bucket] !== second) {
      this.seconds[bucket] = second
      this.counts[bucket] = 0
    }
    this.counts[bucket] += events
  }

  perSecond(now = Date.now()): number {
    const second = Math.floor(now / 1000)
    let events = 0
    for (let bucket = 0; bucket < RATE_SECONDS; bucket++) {
      if (second - this.seconds[bucket] < RATE_SECONDS) events += this.counts[bucket]
    }
    // The buckets cover the last RATE_SECONDS - 1 whole seconds and this one so far, or the time since the start.
    const span = Math.min(RATE_SECONDS - 1 + (now % 1000) / 1000, (now - this.since) / 1000)
    return span > 0 ? events / Math.max(span, 1) : 0
  }
}

/** How far behind the pipeline is, as the Events view says it. */
export interface Backlog {
  /** Events accepted and not finished: queued, being sent, or waiting for a retry. */
  waiting: number
  /** Of those, the ones waiting for a retry. */
  retrying: number
  /** When the oldest of them was received. */
  oldestReceivedAt: string | null
  /** Events finished a second, and accepted a second, over the last ten seconds. */
  drainPerSecond: number
  acceptPerSecond: number
  /** How long the waiting events take to drain at that pace, in seconds; null when nothing drains. */
  drainSeconds: number | null
}

const secondsOf = (iso: string) => Math.floor(Date.parse(iso) / 1000)

/**
 * How long an accepted message id is remembered, across restarts: a sender's resend within it is acknowledged
 * and not taken twice. Segment deduplicates over a window of time too.
 */
export const DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000

const keyOf = (subscription: Subscription) =>
  JSON.stringify([subscription.name ?? '', subscription.partnerAction, subscription.subscribe])

function stored(outcome: SubscriptionOutcome): StoredSubscription {
  const { name, partnerAction, matched, exchanges, error } = outcome
  return {
    name,
    partnerAction,
    matched,
    requests: exchanges.map(({ request, response }) => ({
      method: request.method,
      url: request.url,
      statusCode: response.statusCode,
      body: response.body
    })),
    ...(error && {
      error: {
        name: error.name,
        message: error.message,
        summary: error.summary,
        statusCode: error.statusCode,
        retryable: error.retryable
      }
    }),
    ...(matched && { fate: error ? error.fate : delivered() })
  }
}

/**
 * Takes events from the Tracking API and runs them through the destination's subscriptions, in the
 * background. Every event is journaled before it is acknowledged, and marked done only once nothing is left
 * to try, so a restart (even after `kill -9`) carries on with the events that were not finished. The one
 * event sent twice is one whose Convertro call was under way when the process died: whether it arrived
 * cannot be known, so it is sent again.
 */
export class IngestPipeline {
  /** Unfinished events, and the newest finished ones. */
  private readonly entries = new Map<string, Entry>()
  /** The finished events in `entries`, oldest first. */
  private readonly finishedOrder: string[] = []
  /**
   * Message ids accepted within the dedupe window, oldest first: a sender retrying a request it got no answer to
   * is not taken twice. Ids of events the journal still has lines of count whatever their age.
   */
  private readonly dedupe = new DedupeWindow()
  /** The dedupe window's ids the journal no longer holds whole, on disk; the window's places before this are in it. */
  private ids!: IdsFile
  private savedUpTo = 0
  private compacting?: Promise<void>
  /** Whether compacting works, said once per change; after a failure it waits a while before trying again. */
  private compactHealth!: WriteHealth
  private compactAfter = 0
  private readonly drained = new Rate()
  private readonly arrived = new Rate()
  /** Message ids whose `accepted` record is being written, with that write. */
  private readonly writing = new Map<string, Promise<void>>()
  private readonly queue: Entry[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly active = new Set<Promise<void>>()
  private route?: Route
  private closing = false
  private closed?: Promise<void>
  private journal!: Journal
  readonly counts = { accepted: 0, duplicates: 0, sent: 0, skipped: 0, failed: 0 }

  private readonly limits: Limits
  private readonly step: StepHook

  private constructor(private readonly options: IngestOptions) {
    this.limits = { history: HISTORY, compactBytes: COMPACT_BYTES, idsRewrite: IDS_REWRITE, ...options.limits }
    this.step = options.step ?? (() => undefined)
  }

  /**
   * Opens the journal and the ids beside it, and takes back every event the journal holds that is not done. The
   * journal is then rewritten with only what a restart needs: the unfinished events and the newest finished ones,
   * with the message ids of the others in the ids file.
   */
  static async open(options: IngestOptions): Promise<IngestPipeline> {
    const pipeline = new IngestPipeline(options)
    const records: JournalRecord[] = []
    const { dedupe } = pipeline
    const oldest = Math.floor(Date.now() / 1000 - DEDUPE_WINDOW_MS / 1000)
    const readIds = async (journal: string) => {
      pipeline.ids = await IdsFile.open(
        journal,
        (id) => {
          if (id.readUInt32LE(12) < oldest) return
          dedupe.add([id.readUInt32LE(0), id.readUInt32LE(4), id.readUInt32LE(8)], id.readUInt32LE(12))
        },
        options.log
      )
    }
    pipeline.journal = await Journal.open(options.journal, (record) => records.push(record), options.log, readIds)
    pipeline.compactHealth = new WriteHealth(
      pipeline.journal.file,
      'it is not compacted meanwhile, and grows until it can be',
      options.log
    )
    pipeline.savedUpTo = pipeline.dedupe.end
    records.forEach((record) => pipeline.restore(record))
    for (const entry of pipeline.entries.values()) if (entry.status === 'queued') pipeline.queue.push(entry)
    pipeline.forgetOld(Date.now())
    pipeline.journal.keepOnly((id) => pipeline.entries.has(id))
    const kept = pipeline.entryRecords()
    if (kept.length < records.length) {
      // A journal that cannot be compacted now is still whole: it is compacted later.
      await pipeline
        .saveIds()
        .then(() => pipeline.journal.rewrite(kept, pipeline.step))
        .catch((error: Error) => options.log(`Ingest: journal kept as it is: ${error.message}`))
    }
    const pending = pipeline.queue.length
    if (pending > 0) options.log(`Ingest: ${pending} accepted event(s) not yet done are queued again`)
    return pipeline
  }

  private restore(record: JournalRecord): void {
    if (record.t === 'seen') {
      this.dedupe.add(fingerprint(record.id), secondsOf(record.at))
      return
    }
    if (record.t === 'accepted') {
      if (this.entries.has(record.id)) return
      this.dedupe.add(fingerprint(record.id), secondsOf(record.at))
      this.counts.accepted++
      this.entry(record.id, record.at, record.event)
      return
    }
    const entry = this.entries.get(record.id)
    if (entry?.status !== 'queued') return
    if (record.t === 'attempt') {
      entry.attempts = record.attempt
      record.finished.forEach((key) => entry.finished.add(key))
      entry.results = new Map(record.results)
      entry.subscriptions = [...entry.results.values()]
    } else {
      this.settle(entry, record.outcome, record.at)
    }
  }

  /** Drops the message ids accepted before the dedupe window (the oldest come first). */
  private forgetOld(now: number): void {
    this.dedupe.expire(Math.floor((now - DEDUPE_WINDOW_MS) / 1000))
  }

  /**
   * Puts on disk the window's ids not yet there, before the journal lets go of any event: appended to the ids
   * file, or the file written again from the window when most of it has gone out of the window.
   */
  private async saveIds(): Promise<void> {
    const end = this.dedupe.end
    const kept = Math.max(0, this.savedUpTo - this.dedupe.start)
    const gone = this.ids.count - kept
    if (gone >= this.limits.idsRewrite && gone > kept)
      await this.ids.rewrite(this.dedupe.encode(this.dedupe.start), this.step)
    else if (end > this.savedUpTo) await this.ids.append(this.dedupe.encode(this.savedUpTo), this.step)
    this.savedUpTo = end
  }

  /** Compacts the journal once enough of it is lines of events it no longer needs; one compaction at a time. */
  private compactWhenDue(): void {
    const spare = this.journal.spareBytes
    const due = spare >= this.limits.compactBytes && 2 * spare >= this.journal.bytes
    if (!due || this.compacting || this.closing || Date.now() < this.compactAfter) return
    this.compacting = this.journal
      .compact(() => this.saveIds(), this.step)
      .then(
        () => this.compactHealth.worked(),
        (error: Error) => {
          this.compactHealth.failed(error)
          this.compactAfter = Date.now() + COMPACT_RETRY_MS
        }
      )
      .finally(() => (this.compacting = undefined))
  }

  /** Resolves once the compaction under way, if any, is over. */
  async compacted(): Promise<void> {
    await this.compacting
  }

  private entryRecords(): JournalRecord[] {
    return [...this.entries.values()].flatMap((entry): JournalRecord[] => {
      const accepted = { t: 'accepted' as const, id: entry.id, at: entry.receivedAt, event: entry.event }
      if (entry.doneAt) {
        const { status, reason, attempts, subscriptions } = entry as Entry & { status: StoredOutcome['status'] }
        return [
          accepted,
          { t: 'done', id: entry.id, at: entry.doneAt, outcome: { status, reason, attempts, subscriptions } }
        ]
      }
      return entry.attempts > 0 ? [accepted, this.attemptRecord(entry)] : [accepted]
    })
  }

  private attemptRecord(entry: Entry): JournalRecord {
    return {
      t: 'attempt',
      id: entry.id,
      attempt: entry.attempts,
      finished: [...entry.finished],
      results: [...entry.results]
    }
  }

  private entry(id: string, receivedAt: string, event: SegmentEvent): Entry {
    const entry: Entry = {
      id,
      receivedAt,
      status: 'queued',
      event,
      attempts: 0,
      subscriptions: [],
      finished: new Set(),
      results: new Map()
    }
    this.entries.set(id, entry)
    return entry
  }

  /** Says in the journal's lock where this server answers, for `replay` to find it. */
  announce(where: Omit<LockHolder, 'pid'>): void {
    this.journal.announce(where)
  }

  /** Starts processing, with the settings known once the server is listening. */
  start(route: Route): void {
    this.route = route
    this.pump()
  }

  /**
   * Journals the events and queues them; resolves once they are on disk. An event whose message id was
   * accepted before is acknowledged again and not queued twice, but only once the first copy is on disk.
   */
  async accept(events: SegmentEvent[], receivedAt: string): Promise<void> {
    const fresh = new Map<string, [SegmentEvent, Fingerprint]>()
    const earlier = new Set<Promise<void>>()
    for (const event of events) {
      const id = event.messageId as string
      const write = this.writing.get(id)
      if (write) earlier.add(write)
      if (write || fresh.has(id) || this.entries.has(id) || this.journal.holds(id)) {
        this.counts.duplicates++
        continue
      }
      const print = fingerprint(id)
      if (this.dedupe.has(print)) this.counts.duplicates++
      else fresh.set(id, [event, print])
    }
    if (fresh.size > 0) {
      const write = this.journal.append(
        ...[...fresh].map(([id, [event]]) => ({ t: 'accepted' as const, id, at: receivedAt, event }))
      )
      fresh.forEach((_, id) => this.writing.set(id, write))
      try {
        await write
      } finally {
        fresh.forEach((_, id) => this.writing.delete(id))
      }
      this.counts.accepted += fresh.size
      const now = Date.now()
      this.arrived.add(fresh.size, now)
      this.forgetOld(now)
      fresh.forEach(([event, print], id) => {
        this.dedupe.add(print, Math.floor(now / 1000))
        this.queue.push(this.entry(id, receivedAt, event))
      })
      this.pump()
    }
    await Promise.all(earlier)
  }

  private pump(): void {
    while (this.route && !this.closing && this.active.size < this.options.concurrency && this.queue.length > 0) {
      const entry = this.queue.shift() as Entry
      const run = this.process(entry, this.route).catch((error: Error) => {
        // The outcome is not on record, so the event is not finished: it is tried again (or on the next start).
        this.options.log(`Ingest: ${entry.id} is not finished: ${error.message}`)
        if (!this.closing) this.later(entry, backoff(this.options.retry, Math.max(1, entry.attempts)))
      })
      this.active.add(run)
      void run.finally(() => {
        this.active.delete(run)
        this.pump()
      })
    }
  }

  /** Queues the event again after `delay`. */
  private later(entry: Entry, delay: number): void {
    entry.status = 'retrying'
    entry.retryAt = new Date(Date.now() + delay).toISOString()
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      entry.status = 'queued'
      this.queue.push(entry)
      this.pump()
    }, delay)
    this.timers.add(timer)
  }

  /**
   * Appends a record about an event that was already (partly) sent, trying until it is on disk: without it a
   * restart would send the event again.
   */
  private async persist(record: JournalRecord): Promise<void> {
    for (let retry = 1; ; retry++) {
      try {
        return await this.journal.append(record)
      } catch (error) {
        // The journal says once that it cannot write, and once that it can again.
        if (this.closing) throw error
        await sleep(Math.min(backoff(this.options.retry, retry), 5000))
      }
    }
  }

  private async process(entry: Entry, route: Route): Promise<void> {
    entry.status = 'processing'
    entry.retryAt = undefined
    // Every look at the event is an attempt, a skip included: a finished event shows at least one, wherever shown.
    const attempt = ++entry.attempts
    const skip = skipReason(entry.event)
    if (skip) return this.finish(entry, { status: 'skipped', reason: skip, attempts: attempt, subscriptions: [] })

    const subscriptions = route.subscriptions().filter((subscription) => !entry.finished.has(keyOf(subscription)))
    const outcomes = await routeEvent(route.definition(), entry.event, route.settings, subscriptions)
    subscriptions.forEach((subscription, index) => {
      const key = keyOf(subscription)
      const latest = stored(outcomes[index])
      // Earlier attempts' requests stay listed: a retry shows what was sent again and what came back.
      latest.requests.unshift(...(entry.results.get(key)?.requests ?? []))
      entry.results.set(key, latest)
    })
    entry.subscriptions = [...entry.results.values()]

    const retrying = subscriptions.filter((_, index) => outcomes[index].error?.retryable)
    subscriptions.forEach((subscription) => {
      if (!retrying.includes(subscription)) entry.finished.add(keyOf(subscription))
    })

    if (retrying.length > 0 && attempt <= this.options.retry.retries) {
      await this.persist(this.attemptRecord(entry))
      // Stopping: the journal says which subscriptions are finished; the next start tries the rest.
      if (!this.closing) this.later(entry, backoff(this.options.retry, attempt))
      return
    }

    const failed = entry.subscriptions.find((s) => s.error)
    const matched = entry.subscriptions.some((s) => s.matched)
    return this.finish(entry, {
      status: failed ? 'failed' : matched ? 'sent' : 'skipped',
      reason: failed ? failed.error?.summary : matched ? undefined : 'no subscription matched the event',
      attempts: entry.attempts,
      subscriptions: entry.subscriptions
    })
  }

  private async finish(entry: Entry, outcome: StoredOutcome): Promise<void> {
    const at = new Date().toISOString()
    await this.persist({ t: 'done', id: entry.id, at, outcome })
    this.settle(entry, outcome, at)
    this.drained.add(1)
    this.compactWhenDue()
  }

  /**
   * Records what became of an event. Beyond the newest `history` finished events, the oldest leaves memory, and the
   * journal is told it no longer needs its lines (its message id stays in the dedupe window).
   */
  private settle(entry: Entry, outcome: StoredOutcome, at: string): void {
    Object.assign(entry, outcome, { retryAt: undefined, doneAt: at })
    entry.finished.clear()
    entry.results.clear()
    this.counts[outcome.status]++
    this.finishedOrder.push(entry.id)
    if (this.finishedOrder.length > this.limits.history) {
      const id = this.finishedOrder.shift() as string
      this.entries.delete(id)
      this.journal.release(id)
    }
  }

  /** How many events wait, since when, and how fast they drain. */
  backlog(now = Date.now()): Backlog {
    const waiting = this.queue.length + this.timers.size + this.active.size
    let oldest: string | null = null
    if (waiting > 0) {
      // Entries are in the order they were accepted, and few finished ones come before the first unfinished.
      for (const entry of this.entries.values()) {
        if (entry.doneAt === undefined) {
          oldest = entry.receivedAt
          break
        }
      }
    }
    const drainPerSecond = this.drained.perSecond(now)
    return {
      waiting,
      retrying: this.timers.size,
      oldestReceivedAt: oldest,
      drainPerSecond,
      acceptPerSecond: this.arrived.perSecond(now),
      drainSeconds: waiting === 0 ? 0 : drainPerSecond > 0 ? waiting / drainPerSecond : null
    }
  }

  /**
   * The newest events first, with counts of where every accepted event stands, the backlog, what the journal and
   * the ids file beside it take on disk, and the dedupe window's ids and the memory they take.
   */
  view(limit = 100): {
    counts: Record<string, number>
    backlog: Backlog
    journal: { bytes: number; idsBytes: number }
    dedupe: { ids: number; bytes: number }
    events: IngestedEvent[]
  } {
    const events: IngestedEvent[] = []
    const all = [...this.entries.values()]
    for (let index = all.length - 1; index >= 0 && events.length < limit; index--) {
      const { finished: _finished, results: _results, ...event } = all[index]
      events.push(event)
    }
    const backlog = this.backlog()
    return {
      counts: { ...this.counts, pending: backlog.waiting },
      backlog,
      journal: { bytes: this.journal.bytes, idsBytes: this.ids.bytes },
      dedupe: { ids: this.dedupe.size, bytes: this.dedupe.bytes },
      events
    }
  }

  /**
   * Stops taking up work and waits for the attempts under way; events waiting for a retry stay undone in the
   * journal for the next start.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown()
    return this.closed
  }

  private async shutdown(): Promise<void> {
    this.closing = true
    this.timers.forEach(clearTimeout)
    this.timers.clear()
    await Promise.all(this.active)
    await this.compacting
    await this.journal.close()
  }
}
