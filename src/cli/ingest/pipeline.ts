import type { JSONObject, SegmentEvent, Subscription } from '@segment/actions-core'
import type { Definition } from '../lib/definition'
import { backoff, sleep } from '../lib/retry'
import type { RetryPolicy } from '../lib/retry'
import { routeEvent, skipReason } from '../routing/route-event'
import type { SubscriptionOutcome } from '../routing/route-event'
import { Journal } from './journal'
import type { JournalRecord, LockHolder, StoredOutcome, StoredSubscription } from './journal'

export interface IngestOptions {
  journal: string
  /** Events processed at once. */
  concurrency: number
  retry: RetryPolicy
  log: (line: string) => void
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
    })
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
   * Message ids accepted within the dedupe window, with when, oldest first: a sender retrying a request it got
   * no answer to is not taken twice. Ids of events still in `entries` count whatever their age.
   */
  private readonly seen = new Map<string, number>()
  /** Message ids whose `accepted` record is being written, with that write. */
  private readonly writing = new Map<string, Promise<void>>()
  private readonly queue: Entry[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly active = new Set<Promise<void>>()
  private route?: Route
  private closing = false
  private journal!: Journal
  readonly counts = { accepted: 0, duplicates: 0, sent: 0, skipped: 0, failed: 0 }

  private constructor(private readonly options: IngestOptions) {}

  /**
   * Opens the journal and takes back every event it holds that is not done. The journal is then rewritten
   * with only what a restart needs: the unfinished events and the newest finished ones.
   */
  static async open(options: IngestOptions): Promise<IngestPipeline> {
    const pipeline = new IngestPipeline(options)
    let records = 0
    const restore = (record: JournalRecord) => (records++, pipeline.restore(record))
    pipeline.journal = await Journal.open(options.journal, restore, options.log)
    for (const entry of pipeline.entries.values()) if (entry.status === 'queued') pipeline.queue.push(entry)
    pipeline.forgetOld(Date.now())
    const kept = pipeline.records()
    if (kept.length < records) {
      // A journal that cannot be compacted now is still whole: it is compacted on a later start.
      await pipeline.journal
        .rewrite(kept)
        .catch((error: Error) => options.log(`Ingest: journal kept as it is: ${error.message}`))
    }
    const pending = pipeline.queue.length
    if (pending > 0) options.log(`Ingest: ${pending} accepted event(s) not yet done are queued again`)
    return pipeline
  }

  private restore(record: JournalRecord): void {
    if (record.t === 'seen') {
      this.seen.set(record.id, Date.parse(record.at))
      return
    }
    if (record.t === 'accepted') {
      if (this.entries.has(record.id)) return
      this.seen.set(record.id, Date.parse(record.at))
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
    for (const [id, at] of this.seen) {
      if (at >= now - DEDUPE_WINDOW_MS) break
      this.seen.delete(id)
    }
  }

  /** The records that say everything `entries` holds, and the message ids the window keeps besides. */
  private records(): JournalRecord[] {
    const ids: JournalRecord[] = []
    for (const [id, at] of this.seen) {
      if (!this.entries.has(id)) ids.push({ t: 'seen', id, at: new Date(at).toISOString() })
    }
    return ids.concat(this.entryRecords())
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
    const fresh = new Map<string, SegmentEvent>()
    const earlier = new Set<Promise<void>>()
    for (const event of events) {
      const id = event.messageId as string
      const write = this.writing.get(id)
      if (write) earlier.add(write)
      if (write || this.seen.has(id) || this.entries.has(id) || fresh.has(id)) this.counts.duplicates++
      else fresh.set(id, event)
    }
    if (fresh.size > 0) {
      const write = this.journal.append(
        ...[...fresh].map(([id, event]) => ({ t: 'accepted' as const, id, at: receivedAt, event }))
      )
      fresh.forEach((_, id) => this.writing.set(id, write))
      try {
        await write
      } finally {
        fresh.forEach((_, id) => this.writing.delete(id))
      }
      this.counts.accepted += fresh.size
      const now = Date.now()
      this.forgetOld(now)
      fresh.forEach((event, id) => {
        this.seen.set(id, now)
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
  }

  private settle(entry: Entry, outcome: StoredOutcome, at: string): void {
    Object.assign(entry, outcome, { retryAt: undefined, doneAt: at })
    entry.finished.clear()
    entry.results.clear()
    this.counts[outcome.status]++
    this.finishedOrder.push(entry.id)
    if (this.finishedOrder.length > HISTORY) this.entries.delete(this.finishedOrder.shift() as string)
  }

  /** The newest events first, with counts of where every accepted event stands. */
  view(limit = 100): { counts: Record<string, number>; events: IngestedEvent[] } {
    const events = [...this.entries.values()]
      .reverse()
      .slice(0, limit)
      .map(({ finished: _finished, results: _results, ...event }) => event)
    const waiting = this.queue.length + this.timers.size + this.active.size
    return { counts: { ...this.counts, pending: waiting }, events }
  }

  /**
   * Stops taking up work and waits for the attempts under way; events waiting for a retry stay undone in the
   * journal for the next start.
   */
  async close(): Promise<void> {
    this.closing = true
    this.timers.forEach(clearTimeout)
    this.timers.clear()
    await Promise.all(this.active)
    await this.journal.close()
  }
}
