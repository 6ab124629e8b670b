import crypto from 'crypto'
import cors from 'cors'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import { isObject } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import { inWords } from '../lib/files'
import { parseJson } from '../lib/json'
import { eventProblem, eventTime } from '../routing/event-rules'
import type { JsonInputError } from '../lib/json'

/** Segment's documented limit for a batch request (an event's is in the event rules). */
export const BATCH_LIMIT = 500 * 1024

/**
 * The Tracking API's calls by path, with the one-letter paths analytics.js and the mobile SDKs use. A Map: a
 * path such as `__proto__` or `constructor` must find nothing, not something every object inherits.
 */
const CALLS = new Map([
  ['batch', 'batch'],
  ['b', 'batch'],
  ['identify', 'identify'],
  ['i', 'identify'],
  ['track', 'track'],
  ['t', 'track'],
  ['page', 'page'],
  ['p', 'page'],
  ['screen', 'screen'],
  ['s', 'screen'],
  ['group', 'group'],
  ['g', 'group'],
  ['alias', 'alias'],
  ['a', 'alias']
])

export interface TrackingApiOptions {
  /** When set, requests must carry this write key. */
  writeKey?: string
  /** Takes accepted events; resolves once they are safely kept. */
  accept(events: SegmentEvent[], receivedAt: string): Promise<void>
}

/** A refused request: its status and what to tell the sender. */
class Refusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

/** The write key as the Basic auth user name, as the SDKs send it. */
function headerKey(req: Request): string | undefined {
  const [scheme, encoded] = (req.headers.authorization ?? '').split(' ')
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return undefined
  return Buffer.from(encoded, 'base64').toString('utf8').split(':')[0] || undefined
}

function sameKey(given: string | undefined, expected: string): boolean {
  const digest = (key: string) => crypto.createHash('sha256').update(key).digest()
  return given !== undefined && crypto.timingSafeEqual(digest(given), digest(expected))
}

/** Checks an event by the rules replay applies too, naming it in the error when it is one of a batch. */
function checkEvent(event: unknown, at: string): Record<string, unknown> {
  const problem = eventProblem(event, at, { archived: false })
  if (problem) throw new Refusal(problem.status, problem.message)
  return event as Record<string, unknown>
}

/** A batch's own context or integrations under an event's, which wins where both say something. */
const under = (shared: unknown, own: unknown) => (isObject(shared) ? { ...shared, ...(isObject(own) ? own : {}) } : own)

/** The events of a request, as Segment's pipeline passes them on: typed, with a message id and times. */
function eventsOf(call: string, body: Record<string, unknown>, receivedAt: string): SegmentEvent[] {
  const { writeKey: _key, ...rest } = body
  let events: Record<string, unknown>[]
  if (call === 'batch') {
    if (!Array.isArray(body.batch)) throw new Refusal(400, 'A batch request needs a "batch" list of events')
    events = body.batch.map((event: unknown, index) => {
      const checked = checkEvent(event, `Event ${index} of the batch`)
      return {
        ...checked,
        context: under(body.context, checked.context),
        integrations: under(body.integrations, checked.integrations)
      }
    })
  } else {
    events = [checkEvent({ ...rest, type: call }, 'The event')]
  }
  return events.map(
    (event) =>
      ({
        ...event,
        // A sender retrying keeps the message id, so it must survive as it came: numbers become text.
        messageId:
          (typeof event.messageId === 'string' && event.messageId !== '') || typeof event.messageId === 'number'
            ? String(event.messageId)
            : `ingest-${crypto.randomUUID()}`,
        timestamp: eventTime(event) ?? receivedAt,
        receivedAt
      } as unknown as SegmentEvent)
  )
}

/** The request's body as a JSON object, or the refusal saying why it is not one. */
function bodyOf(req: Request): Record<string, unknown> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
  let body: unknown
  try {
    body = parseJson(raw.toString('utf8'))
  } catch (error) {
    const { syntax, message } = error as JsonInputError
    throw new Refusal(400, syntax === undefined ? `The body is ${message}` : `Malformed JSON: ${syntax}`)
  }
  if (!isObject(body)) throw new Refusal(400, 'The body must be a JSON object')
  return body
}

function refuse(res: Response, status: number, message: string): void {
  res.status(status).json({ success: false, message })
}

/** What body-parser says of a body it could not read, as the Tracking API's refusals. */
function bodyErrors(
  error: Error & { type?: string; status?: number },
  _req: Request,
  res: Response,
  next: NextFunction
) {
  if (error.type === 'entity.too.large') return refuse(res, 413, `The request is over Segment's limit of 500 KB`)
  if (error.type === 'encoding.unsupported') return refuse(res, 415, error.message)
  // zlib's complaints about a body that says it is gzip and is not.
  if (error.status === 400) return refuse(res, 400, `Unreadable body: ${error.message}`)
  next(error)
}

/**
 * Segment's HTTP Tracking API, as the official SDKs call it: events are checked, handed on, and answered
 * `200 {"success":true}` once kept. A request refused for any reason hands on none of its events.
 */
export function trackingApi(options: TrackingApiOptions): express.Router {
  const router = express.Router()
  // Pages on any origin may send; the SDKs' Authorization header makes browsers ask first (a preflight).
  router.use(cors({ methods: ['POST'], maxAge: 86_400 }))
  const wrongKey = new Refusal(401, 'Missing or wrong write key: send it as the Basic auth user name or as "writeKey"')
  // A key in the header is checked before the body is read.
  router.post('/:call', (req, res, next) => {
    const key = headerKey(req)
    if (options.writeKey === undefined || key === undefined || sameKey(key, options.writeKey)) return next()
    refuse(res, wrongKey.status, wrongKey.message)
  })
  // Any content type: analytics.js posts JSON as text/plain. gzip, deflate and br are inflated first.
  router.post('/:call', express.raw({ type: () => true, limit: BATCH_LIMIT }), async (req, res) => {
    const call = CALLS.get(req.params.call as string)
    if (!call) return refuse(res, 404, `No Tracking API call ${req.baseUrl}${req.path}`)
    const receivedAt = new Date().toISOString()
    try {
      const body = bodyOf(req)
      const key = headerKey(req) ?? (typeof body.writeKey === 'string' ? body.writeKey : undefined)
      if (options.writeKey !== undefined && !sameKey(key, options.writeKey)) throw wrongKey
      const events = eventsOf(call, body, receivedAt)
      try {
        await options.accept(events, receivedAt)
      } catch (error) {
        // Not kept (a full disk, say): a 5xx makes the SDKs keep the events and send them again.
        res.setHeader('Retry-After', '10')
        return refuse(res, 503, `The events could not be kept (${inWords(error)}): none was taken, send them again`)
      }
      res.json({ success: true })
    } catch (error) {
      if (error instanceof Refusal) return refuse(res, error.status, error.message)
      throw error
    }
  })
  router.use(bodyErrors)
  return router
}
