import { isObject } from '@segment/actions-core'

/** The Segment event types the Tracking API takes. */
export const EVENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias']

/** Segment's documented limit for one event. */
export const EVENT_LIMIT = 32 * 1024

/** An event that is not one Segment would take: the status the Tracking API answers, and why, in words. */
export interface EventProblem {
  status: 400 | 413
  message: string
}

export interface EventRuleOptions {
  /**
   * An event read from an archive (replay) rather than sent live. A live event without a timestamp happened
   * when it arrived, and is dated then; an archived one would be dated now, days or years late, so it is refused.
   */
  archived: boolean
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`
const hasId = (value: unknown) => (typeof value === 'string' && value !== '') || typeof value === 'number'

/** A time Segment and the destination can read: ISO 8601 (any Date.parse form), or epoch seconds or milliseconds. */
function isTime(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value)
  return typeof value === 'string' && value !== '' && (!Number.isNaN(Number(value)) || !Number.isNaN(Date.parse(value)))
}

/** The event's time as Segment passes it on: `timestamp`, else the time the source recorded it. */
export const eventTime = (event: Record<string, unknown>): unknown => event.timestamp ?? event.originalTimestamp

function timeProblem(event: Record<string, unknown>, at: string, options: EventRuleOptions): string | undefined {
  const time = eventTime(event)
  if (time === undefined || time === null) {
    return options.archived ? `${at} has no timestamp: an archived event would be dated now` : undefined
  }
  return isTime(time) ? undefined : `${at} has a timestamp that is not a time: ${JSON.stringify(time)}`
}

/**
 * The one set of rules for what an event must be, used by the Tracking API and by replay alike; `at` names the
 * event in the message ("The event", "Event 3 of the batch", "line 12").
 */
export function eventProblem(event: unknown, at: string, options: EventRuleOptions): EventProblem | undefined {
  const refuse = (message: string): EventProblem => ({ status: 400, message })
  if (!isObject(event)) return refuse(`${at} is not a JSON object`)
  if (typeof event.type !== 'string' || !EVENT_TYPES.includes(event.type)) {
    return refuse(`${at} has type ${JSON.stringify(event.type)}; expected one of ${EVENT_TYPES.join(', ')}`)
  }
  const size = Buffer.byteLength(JSON.stringify(event))
  if (size > EVENT_LIMIT) return { status: 413, message: `${at} is ${kb(size)}; Segment's limit is 32 KB an event` }
  if (!hasId(event.userId) && !hasId(event.anonymousId)) return refuse(`${at} has neither userId nor anonymousId`)
  if (event.type === 'track' && (typeof event.event !== 'string' || event.event === '')) {
    return refuse(`${at} is a track without an event name`)
  }
  const time = timeProblem(event, at, options)
  return time === undefined ? undefined : refuse(time)
}
