import nock from 'nock'
import { createTestEvent } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import type { Settings } from '../../generated-types'
import type { CallKind } from '../../call'

export const SETTINGS: Settings = {
  clientName: 'acme',
  siteId: '1234',
  domain: 'acme.sp1.convertro.com',
  hybridAttributionModel: false
}

export const ORIGIN = `https://${SETTINGS.domain}`

/** 2024-03-05T10:20:30.999Z as whole seconds: truncated, not rounded. */
export const TS = '1709634030'

/** What every call carries for an event made by `testEvent`. */
export const CONTEXT_QUERY = { sid: 'device-1', ts: TS, cua: 'UA/1.0', cip: '203.0.113.7' }

/** The device context of a `testEvent`, to extend (with `app`, say) without repeating it. */
export const CONTEXT = { device: { id: 'device-1' }, userAgent: 'UA/1.0', ip: '203.0.113.7' }

/** An event with a fixed time and device; `context` replaces the default one when given. */
export function testEvent(event: Partial<SegmentEvent> = {}): SegmentEvent {
  return createTestEvent({ timestamp: '2024-03-05T10:20:30.999Z', context: CONTEXT, ...event })
}

/**
 * actions-core's own validation error for a field declared `required` that the mapping left without a value:
 * thrown before the action runs (match it with `toMatchObject`).
 */
export function missingRequired(field: string) {
  return { name: 'AggregateAjvError', message: `The root value is missing the required field '${field}'.` }
}

/** The batch result of an event rejected as invalid before anything was sent. */
export function invalidEntry(message: RegExp) {
  return expect.objectContaining({
    status: 400,
    errortype: 'PAYLOAD_VALIDATION_FAILED',
    errormessage: expect.stringMatching(message)
  })
}

export interface RecordedCall {
  method: string
  origin: string
  path: string
  query: Record<string, string>
}

/** A request as host, path and its complete query; a repeated query key fails the test. */
export function parseCall(method: string, url: URL): RecordedCall {
  const query: Record<string, string> = {}
  for (const [key, value] of url.searchParams) {
    if (key in query) throw new Error(`query key "${key}" sent twice in ${url.href}`)
    query[key] = value
  }
  return { method, origin: url.origin, path: url.pathname, query }
}

type Reply = [number, string]

/**
 * Answers every GET to `origin` and records it, in order. `replies` are used one per request (the last
 * one repeats), or chosen per call by a function. Compare the returned list as a whole: it is every
 * request the destination made.
 */
export function recordConvertroCalls(
  replies: Reply[] | ((call: RecordedCall) => Reply) = [[200, 'OK']],
  origin = ORIGIN
): RecordedCall[] {
  const calls: RecordedCall[] = []
  nock(origin)
    .persist()
    .get(() => true)
    .reply(function (uri) {
      const call = parseCall(this.req.method, new URL(uri, origin))
      calls.push(call)
      return typeof replies === 'function' ? replies(call) : replies[Math.min(calls.length, replies.length) - 1]
    })
  return calls
}

/** Calls in a stable order, for batches, whose events are sent concurrently. */
export function sorted(calls: RecordedCall[]): RecordedCall[] {
  return [...calls].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
}

/** The call we expect, with the event's context merged into its query. */
export function expected(kind: CallKind, query: Record<string, string>, path = '/acme/1234/') {
  return { method: 'GET', origin: ORIGIN, path: `/api/${kind}${path}`, query: { ...CONTEXT_QUERY, ...query } }
}
