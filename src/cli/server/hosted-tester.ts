import cors from 'cors'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import { Destination, isObject } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import { hasAction } from '../lib/definition'
import { retriedStatus } from '../lib/retry'
import { requireJson } from './guards'
import type { Served } from './source'

/**
 * What Segment's hosted Actions Tester needs from a local serve, as Segment's own serve gives it
 * (segmentio/action-destinations packages/cli/src/lib/server.ts): CORS for the tester's origins, and an answer in
 * Segment's shapes on the routes it may call that Convertro has no use for.
 */

/** Segment's hosted Actions Tester, which calls the local serve from the browser. */
export const HOSTED_TESTER_URL = 'https://app.segment.com/dev-center/actions-tester'

/** The origins Segment's serve lets call it: the hosted tester's, in each region and on Segment's staging host. */
export const HOSTED_TESTER_ORIGINS = [
  'https://app.segment.com',
  'https://eu1.app.segment.com',
  'https://app.segment.build',
  'https://eu1.app.segment.build',
  'http://localhost:8000'
]

/** The routes Segment's serve has besides one per action (and `/<action>/…` for dynamic fields and hooks). */
const SEGMENT_ROUTES = ['manifest', 'authenticate', 'refreshAccessToken', 'delete', 'createAudience', 'getAudience']

function isSegmentRoute(served: Served, path: string): boolean {
  const first = path.split('/')[1] ?? ''
  return SEGMENT_ROUTES.includes(first) || hasAction(served.definition, first)
}

/**
 * CORS exactly as Segment's serve sets it up (the `cors` package with those origins and its defaults: no
 * credentials, the requested headers allowed, preflights answered 204), on Segment's routes. Any other origin
 * gets no CORS header at all, where Segment's still lists the methods: either way its browser may not read the
 * answer, and every other protection (loopback Host, JSON-only POSTs) applies to all origins alike.
 */
export function hostedTesterCors(served: () => Served) {
  const allow = cors({ origin: HOSTED_TESTER_ORIGINS })
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!isSegmentRoute(served(), req.path)) return next()
    // The answer depends on the origin, for every origin, as with Segment's.
    res.vary('Origin')
    if (HOSTED_TESTER_ORIGINS.includes(req.headers.origin ?? '')) return allow(req, res, next)
    next()
  }
}

/** An entry of Segment's error list (its `ErrorOutput`), for a route that does nothing here. */
function errorOutput(statusCode: number, message: string) {
  return { statusCode, message, requestError: true as const }
}

/** A device-mode action, asked to run on the server: an entry of Segment's action error list saying where it runs. */
export function deviceModeError(served: Served, action: string) {
  const where = `${action} is an action of ${served.directoryName}, a device-mode destination: it runs in the page through analytics.js, not on this server`
  return {
    ...errorOutput(501, `${where}. Serve without -r to run the server destination's actions.`),
    stack: [],
    name: 'IntegrationError',
    code: 'DEVICE_MODE_ACTION',
    retryable: retriedStatus(501),
    summary: `${where}.`
  }
}

/**
 * The routes of Segment's serve that Convertro has no use for. Segment's has `/refreshAccessToken` always (and
 * actions-core refuses it for a destination without OAuth); the others only for a destination that has them, so
 * here they answer 404 with what is missing, in the shape Segment's uses on that route.
 */
export function unusedSegmentRoutes(served: () => Served) {
  const router = express.Router()
  router.post('/refreshAccessToken', requireJson, async (req, res) => {
    const body = isObject(req.body) ? req.body : {}
    const settings = (isObject(body.settings) ? body.settings : {}) as JSONObject
    try {
      // As Segment's serve calls it: the whole body as the OAuth data; actions-core refuses it without OAuth.
      const oauth = body as unknown as Parameters<Destination['refreshAccessToken']>[1]
      res.json({ ok: true, data: await new Destination(served().cloud).refreshAccessToken(settings, oauth) })
    } catch (error) {
      res.status(400).json({ ok: false, error: (error as Error).message })
    }
  })
  router.post('/delete', requireJson, (_req, res) => {
    const { name } = served().definition
    res.status(404).json([errorOutput(404, `${name} has no onDelete: it deletes no user data at Convertro`)])
  })
  router.post(['/createAudience', '/getAudience'], requireJson, (_req, res) => {
    const { name } = served().definition
    res.status(404).json({ ok: false, error: `${name} is not an audience destination: it has no audienceConfig` })
  })
  const ifAction = (req: Request<{ action: string }>, _res: Response, next: NextFunction) =>
    hasAction(served().definition, req.params.action) ? next() : next('route')
  router.post(['/:action/hooks/:hook', '/:action/hooks/:hook/dynamic/:field'], ifAction, requireJson, (req, res) => {
    const { action, hook } = req.params as Record<string, string>
    res.status(404).json([{ message: `No hook named ${hook} found: ${action} has no hooks.`, code: '404' }])
  })
  router.post('/:action/:field', ifAction, requireJson, (req, res) => {
    const { action, field } = req.params as Record<string, string>
    // The message actions-core gives for a field it has no dynamic function for.
    const message = `No dynamic field named ${field} found: ${action}'s fields are all static.`
    res.status(404).json([{ message, code: '404' }])
  })
  return router
}
