import type { DestinationDefinition, JSONObject, SegmentEvent, Subscription } from '@segment/actions-core'
import { routeEvent, skipReason, type SubscriptionOutcome } from '../pipeline/routing'
import { backoff, type RetryPolicy } from '../pipeline/retry'
import { Journal, type JournalRecord, type StoredOutcome, type StoredSubscription } from './journal'

type Definition = DestinationDefinition<JSONObject>

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
  reason?: string
  subscriptions: StoredSubscription[]
}

interface Entry extends IngestedEvent {
  /** Subscriptions finished with this event (sent, not matched, or failed for good): never run again. */
  finished: Set<string>
  /** The latest outcome of each subscription run, with the requests of all its attempts. */
  results: Map<string, StoredSubscription>
}

/** Finished events kept for the Events view; the journal keeps them all. */
export const HISTORY = 1000

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
 * to try, so a restart (even after `kill -9`) carries on with exactly the events that were not finished.
 */
export class IngestPipeline {
  private readonly entries = new Map<string, Entry>()
  /** Every message id ever accepted: a sender retrying a request it got no answer to is not counted twice. */
  private readonly seen = new Set<string>()
  private readonly queue: Entry[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly active = new Set<Promise<void>>()
  private finishedCount = 0
  private route?: Route
  private closing = false
  readonly counts = { accepted: 0, duplicates: 0, sent: 0, skipped: 0, failed: 0 }

  private constructor(
    private readonly options: IngestOptions,
    private journal: Journal
  ) {}

  /** Opens the journal and takes back every event it holds that is not done. */
  static async open(options: IngestOptions): Promise<IngestPipeline> {
    const records: JournalRecord[] = []
    const journal = await Journal.open(options.journal, (record) => records.push(record), options.log)
    const pipeline = new IngestPipeline(options, journal)
    for (const record of records) pipeline.restore(record)
    for (const entry of pipeline.entries.values()) if (entry.status === 'queued') pipeline.queue.push(entry)
    const pending = pipeline.queue.length
    if (pending > 0) options.log(`Ingest: ${pending} accepted event(s) not yet done are queued again`)
    return pipeline
  }

  private restore(record: JournalRecord): void {
    if (record.t === 'accepted') {
      this.seen.add(record.id)
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
      this.settle(entry, record.outcome)
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

  /** Starts processing, with the settings known once the server is listening. */
  start(route: Route): void {
    this.route = route
    this.pump()
  }

  /**
   * Journals the events and queues them; resolves once they are on disk. An event whose message id was
   * accepted before is acknowledged again and not queued twice.
   */
  async accept(events: SegmentEvent[], receivedAt: string): Promise<void> {
    const fresh = events.filter((event) => {
      const id = event.messageId as string
      if (this.seen.has(id)) return (this.counts.duplicates++, false)
      this.seen.add(id)
      return true
    })
    if (fresh.length === 0) return
    try {
      await this.journal.append(
        ...fresh.map((event) => ({ t: 'accepted' as const, id: event.messageId as string, at: receivedAt, event }))
      )
    } catch (error) {
      fresh.forEach((event) => this.seen.delete(event.messageId as string))
      throw error
    }
    this.counts.accepted += fresh.length
    for (const event of fresh) this.queue.push(this.entry(event.messageId as string, receivedAt, event))
    this.pump()
  }

  private pump(): void {
    while (this.route && !this.closing && this.active.size < this.options.concurrency && this.queue.length > 0) {
      const entry = this.queue.shift() as Entry
      const run = this.process(entry, this.route).catch((error: Error) => {
        // Only the journal can fail here; the event stays undone in it and is taken up on the next start.
        this.options.log(`Ingest: could not record the outcome of ${entry.id}: ${error.message}`)
      })
      this.active.add(run)
      void run.finally(() => {
        this.active.delete(run)
        this.pump()
      })
    }
  }

  private async process(entry: Entry, route: Route): Promise<void> {
    entry.status = 'processing'
    entry.retryAt = undefined
    const skip = skipReason(entry.event)
    if (skip)
      return this.finish(entry, { status: 'skipped', reason: skip, attempts: entry.attempts, subscriptions: [] })

    const attempt = ++entry.attempts
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
      await this.journal.append({
        t: 'attempt',
        id: entry.id,
        attempt,
        finished: [...entry.finished],
        results: [...entry.results]
      })
      // Stopping: the journal says which subscriptions are finished; the next start tries the rest.
      if (this.closing) return
      const delay = backoff(this.options.retry, attempt)
      entry.status = 'retrying'
      entry.retryAt = new Date(Date.now() + delay).toISOString()
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        entry.status = 'queued'
        this.queue.push(entry)
        this.pump()
      }, delay)
      this.timers.add(timer)
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
    await this.journal.append({ t: 'done', id: entry.id, at: new Date().toISOString(), outcome })
    this.settle(entry, outcome)
  }

  private settle(entry: Entry, outcome: StoredOutcome): void {
    Object.assign(entry, outcome, { retryAt: undefined })
    entry.finished.clear()
    entry.results.clear()
    this.counts[outcome.status]++
    // Keep the newest finished events for the view: Map order is insertion order, oldest first.
    if (++this.finishedCount > HISTORY) {
      for (const [id, old] of this.entries) {
        if (old.status === 'sent' || old.status === 'skipped' || old.status === 'failed') {
          this.entries.delete(id)
          this.finishedCount--
          break
        }
      }
    }
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
