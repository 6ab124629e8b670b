import { IntegrationError } from '@segment/actions-core'
import type { ErrorCodes } from '@segment/actions-core'
import { retried } from './retry'

/** What Segment's runtime does with an event, once the destination has handled it. */
export type FateName = 'delivered' | 'retry' | 'drop'

export interface Fate {
  fate: FateName
  /** The status the destination's error carries, when it carries one. */
  status?: number
  /** Why: Convertro's answer, or the error. */
  reason: string
  /** What Segment's runtime then does, and where the customer would see it. */
  segment: string
}

/** Segment's documented policy for failed destination calls. */
export const RETRY_POLICY_URL =
  'https://segment.com/docs/connections/destinations/#retries-between-segment-and-destinations'

/** Where a customer sees each event's delivery, failures and their errors included. */
export const DELIVERY_OVERVIEW_URL = 'https://segment.com/docs/connections/delivery-overview/'

const SEGMENT_DOES: Record<FateName, string> = {
  delivered: 'Segment counts it delivered.',
  retry: `Segment's runtime sends it again with a randomized exponential backoff, for up to four hours; after that it is dropped (${RETRY_POLICY_URL}).`,
  drop: `Segment's runtime does not send it again: the customer sees it failed, with this error, in the destination's Delivery Overview (Event Delivery) in the Segment app (${DELIVERY_OVERVIEW_URL}).`
}

/** An event the destination handled without an error. */
export const delivered = (reason = 'Convertro accepted it.'): Fate => ({
  fate: 'delivered',
  reason,
  segment: SEGMENT_DOES.delivered
})

/**
 * The fate of an event the destination handled: delivered when it threw nothing, else retried or dropped by the
 * rule Segment's runtime applies to what it threw (see `retried`, the project's one statement of that rule).
 */
export function fateOf(error?: unknown): Fate {
  if (error === undefined) return delivered()
  const fate: FateName = retried(error) ? 'retry' : 'drop'
  const { status, message } = (error ?? {}) as { status?: unknown; message?: unknown }
  return {
    fate,
    ...(typeof status === 'number' && { status }),
    reason: typeof message === 'string' && message ? message : String(error),
    segment: SEGMENT_DOES[fate]
  }
}

/** One event's entry of a batch's answer (actions-core's multistatus), as actions-core's result types have it. */
export interface BatchEntry {
  status: number
  errormessage?: string
  errortype?: keyof typeof ErrorCodes
}

/**
 * The fate of one event of a batch. A failed entry stands for the error the destination met for that event, with
 * the entry's status: it is judged as that error would be.
 */
export function fateOfEntry(entry: BatchEntry | undefined): Fate {
  if (!entry) return fateOf(new Error('actions-core gave no result for this event'))
  const failed = entry.errormessage !== undefined || entry.status < 200 || entry.status > 299
  if (!failed) return delivered(`Convertro answered ${entry.status}.`)
  const message = entry.errormessage ?? `Convertro answered ${entry.status}`
  return fateOf(new IntegrationError(message, entry.errortype ?? 'UNKNOWN_ERROR', entry.status))
}

/** A fate in one line, for a terminal that has shown the error already: `Fate: retry (429). Segment's runtime …`. */
export function fateLine({ fate, status, segment }: Fate): string {
  return `Fate: ${fate}${status === undefined || fate === 'delivered' ? '' : ` (${status})`}. ${segment}`
}
