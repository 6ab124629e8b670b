import express from 'express'
import type { Request, Response } from 'express'
import { Destination, defaultValues, isObject } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import { COLLECTOR_HOST } from '../lib/collector-host'
import { hasAction } from '../lib/definition'
import { describeSettingsError } from '../lib/exchanges'
import { runAction } from '../lib/run'
import { SAMPLE_EVENTS, SAMPLE_SETTINGS } from '../lib/samples'
import { withCollector } from '../routing/settings'
import { requireJson } from './guards'
import { deviceModeError, unusedSegmentRoutes } from './hosted-tester'
import type { DestinationSource } from './source'

/** POST /:action: runs the action on the event(s) sent, as Segment's server does, and answers the exchanges. */
function runActionRoute(source: DestinationSource, log: (line: string) => void) {
  return async (req: Request<{ action: string }>, res: Response) => {
    const key = req.params.action
    const { served } = source
    if (!hasAction(served.definition, key)) {
      const known = Object.keys(served.definition.actions).join(', ')
      res.status(404).json({ error: `Unknown action "${key}". Actions: ${known}.` })
      return
    }
    if (served.browser) {
      res.json([deviceModeError(served, key)])
      return
    }
    const { payload = {}, settings = {}, mapping = {} } = isObject(req.body) ? req.body : {}
    if (!isObject(settings) || !isObject(mapping) || !(isObject(payload) || Array.isArray(payload))) {
      res.status(400).json({ error: 'Send { "payload": event or [events], "settings": {...}, "mapping": {...} }' })
      return
    }
    const run = await runAction(served.cloud, key, {
      payload: payload as JSONObject | JSONObject[],
      settings: withCollector(settings as JSONObject),
      mapping: mapping as JSONObject
    })
    const statuses = run.exchanges.map((e) => e.response.statusCode).join(', ') || 'no request'
    log(`POST /${key}: ${statuses}${run.error ? `; ${run.error.name}: ${run.error.message}` : ''}`)
    // Each event's fate goes beside what Segment's serve answers: per event for a batch, in the error (`fate`) for a
    // failed event, and in a header, where a delivered event's list of requests leaves no key for it.
    res.set('X-Event-Fate', run.fates.map((fate) => fate.fate).join(', '))
    if (run.multistatus) res.json({ multistatus: run.multistatus, exchanges: run.exchanges, fates: run.fates })
    // Segment's serve answers a failure as a list of one error; the requests made before it are ours to add.
    else res.json(run.error ? [{ ...run.error, exchanges: run.exchanges }] : run.exchanges)
  }
}

/** The destination's routes, as Segment's `serve` has them, and the samples the tester page starts from. */
export function actionRoutes(source: DestinationSource, log: (line: string) => void) {
  const router = express.Router()
  router.get('/manifest', (_req, res) => {
    const { definition, directoryName } = source.served
    res.json({ ...definition, directoryName })
  })
  router.get('/samples', (_req, res) => {
    const defaults = Object.fromEntries(
      Object.entries(source.definition.actions).map(([key, action]) => [key, defaultValues(action.fields)])
    )
    res.json({ settings: SAMPLE_SETTINGS, events: SAMPLE_EVENTS, defaults, collector: COLLECTOR_HOST })
  })
  router.post('/authenticate', requireJson, async (req, res) => {
    try {
      await new Destination(source.served.cloud).testAuthentication(isObject(req.body) ? (req.body as JSONObject) : {})
      res.json({ ok: true })
    } catch (error) {
      const { message, fields, summary } = describeSettingsError(error)
      res.json({ ok: false, error: message, fields: fields ?? {}, summary })
    }
  })
  router.use(unusedSegmentRoutes(() => source.served))
  router.post('/:action', requireJson, runActionRoute(source, log))
  return router
}
