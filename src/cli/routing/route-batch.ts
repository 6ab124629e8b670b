import { Destination, isObject } from '@segment/actions-core'
import type { JSONObject, Result, SegmentEvent, Subscription } from '@segment/actions-core'
import { parseFql, validate as matches } from '@segment/destination-subscriptions'
import type { DestinationRules, ServerDestination } from '../destinations'
import { describeError } from '../lib/exchanges'
import type { ErrorOutput } from '../lib/exchanges'
import { withSubscriptions } from './route-event'
type MultiStatusEntry = NonNullable<Result['multistatus']>[number]

/** What one subscription did with one event of a batch. */
export type EventOutcome =
  | { result: 'unmatched' }
  | { result: 'sent'; urls: string[] }
  | { result: 'failed'; urls: string[]; error: ErrorOutput }

export interface BatchRouting {
  /** One list per subscription, in the subscriptions' order, each with one outcome per event, in the events' order. */
  outcomes: EventOutcome[][]
  /** Requests Convertro answered, whatever the answer. */
  requests: number
}

/** actions-core's entry for an event that the subscription's query does not match. */
const NOT_MATCHED = 'Payload is either invalid or does not match the subscription'

/**
 * A failed entry as the typed error the destination raises for its status, so it reads like any other failure and
 * is retried as Segment would retry it; it keeps the code actions-core gave the entry, where it gave one.
 */
function entryError(entry: MultiStatusEntry, { statusError }: DestinationRules): ErrorOutput {
  const message = 'errormessage' in entry ? entry.errormessage : `Convertro answered ${entry.status}`
  const error = statusError(entry.status, message)
  if ('errortype' in entry && entry.errortype) Object.assign(error, { code: entry.errortype })
  return describeError(error)
}

function urlsOf(entry: MultiStatusEntry): string[] {
  const sent = entry.sent
  const urls = isObject(sent) ? sent.urls : undefined
  return Array.isArray(urls) ? urls.filter((url): url is string => typeof url === 'string') : []
}

function outcomeOf(entry: MultiStatusEntry | undefined, rules: DestinationRules): EventOutcome {
  if (!entry) return { result: 'failed', urls: [], error: describeError(new Error('actions-core gave no result')) }
  const failed = 'errormessage' in entry || entry.status < 200 || entry.status > 299
  if (!failed) return { result: 'sent', urls: urlsOf(entry) }
  if (entry.status === 400 && 'errormessage' in entry && entry.errormessage === NOT_MATCHED)
    return { result: 'unmatched' }
  return { result: 'failed', urls: urlsOf(entry), error: entryError(entry, rules) }
}

/** One subscription's run over the batch, on a Destination of its own (actions-core keeps every response on it). */
async function routeSubscription(
  { definition, rules }: ServerDestination,
  events: SegmentEvent[],
  settings: JSONObject,
  subscription: Subscription
): Promise<{ outcomes: EventOutcome[]; requests: number }> {
  const destination = new Destination(definition)
  try {
    const results = await destination.onBatch(events, withSubscriptions(settings, [subscription]))
    const multistatus = results.find((result) => result.multistatus)?.multistatus
    const outcomes: EventOutcome[] = multistatus
      ? events.map((_event, index) => outcomeOf(multistatus[index], rules))
      : events.map(() => ({ result: 'unmatched' }))
    return { outcomes, requests: destination.responses.length }
  } catch (error) {
    // The whole call failed: every event the subscription takes failed with it.
    const query = parseFql(subscription.subscribe)
    const failure = describeError(error)
    const outcomes = events.map(
      (event): EventOutcome =>
        matches(query, event) ? { result: 'failed', urls: [], error: failure } : { result: 'unmatched' }
    )
    return { outcomes, requests: destination.responses.length }
  }
}

/**
 * Runs a batch of events through each subscription with `Destination.onBatch`, as Segment's runtime does, so
 * the actions' `performBatch` sends them. The subscriptions run one after another: a batch never has more
 * Convertro calls in flight than one `performBatch` allows, and one subscription's failure never hides what
 * another sent.
 */
export async function routeBatch(
  destination: ServerDestination,
  events: SegmentEvent[],
  settings: JSONObject,
  subscriptions: Subscription[]
): Promise<BatchRouting> {
  const routing: BatchRouting = { outcomes: [], requests: 0 }
  // actions-core reads the first event of a batch before it looks at the rest.
  if (events.length === 0) return { outcomes: subscriptions.map(() => []), requests: 0 }
  for (const subscription of subscriptions) {
    const { outcomes, requests } = await routeSubscription(destination, events, settings, subscription)
    routing.outcomes.push(outcomes)
    routing.requests += requests
  }
  return routing
}
