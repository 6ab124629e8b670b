import express from 'express'
import type { IngestPipeline } from './pipeline'
import { trackingApi } from './tracking-api'

/** Segment's Tracking API at /v1, and the Events view of what it took. */
export function ingestRoutes(ingest: IngestPipeline, writeKey: string | undefined): express.Router {
  const router = express.Router()
  router.use('/v1', trackingApi({ writeKey, accept: (events, at) => ingest.accept(events, at) }))
  router.get('/ingest/events', (req, res) => {
    const limit = Number(req.query.limit ?? 100)
    res.json(ingest.view(Number.isInteger(limit) && limit > 0 ? limit : 100))
  })
  return router
}
