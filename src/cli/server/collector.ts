import fs from 'fs'
import express from 'express'
import type { Request, Response } from 'express'
import { isObject } from '@segment/actions-core'
import { readOwnLines, setTornLineAside, writablePath } from '../lib/files'
import { JSON_DEPTH_LIMIT } from '../lib/json'
import { WriteHealth } from '../lib/write-health'

/** One request Convertro's API received, as the collector recorded it. */
export interface CollectedRequest {
  id: number
  receivedAt: string
  method: string
  kind: string
  client: string
  site: string
  url: string
  query: Record<string, string>
  userAgent?: string
  status: number
}

// Convertro's tracking calls answered with a 1×1 transparent GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')

const isRecord = (value: unknown): value is CollectedRequest =>
  isObject(value) && typeof value.id === 'number' && typeof value.url === 'string' && typeof value.kind === 'string'

/**
 * A stand-in for Convertro's API, which no longer answers: it answers each call the way a tracking
 * endpoint does and records it, in memory and appended to a JSON-lines file that it reads back on start.
 */
export class Collector {
  private readonly requests: CollectedRequest[] = []
  private readonly health: WriteHealth

  private constructor(readonly file: string, log: (line: string) => void) {
    this.health = new WriteHealth(file, 'the collector answers 503 until it can, so senders retry', log)
  }

  /**
   * Reads the records kept by earlier runs. A file that is not a records file is refused, and left as it is;
   * a last line cut short by a crash is moved aside, to a file the log names.
   */
  static async open(file: string, log: (line: string) => void): Promise<Collector> {
    const collector = new Collector(writablePath(file, '--records'), log)
    const take = (value: unknown) => isRecord(value) && collector.requests.push(value) > 0
    const format = { kind: 'collector records file', prefix: '{"id":', depth: JSON_DEPTH_LIMIT, take }
    await setTornLineAside(collector.file, await readOwnLines(collector.file, '--records', format), log)
    return collector
  }

  list(): readonly CollectedRequest[] {
    return this.requests
  }

  clear(): void {
    this.requests.length = 0
    fs.writeFileSync(this.file, '')
  }

  /** Express handler for `GET /api/:kind/:client/:site/`. */
  readonly handle = (req: Request<{ kind: string; client: string; site: string }>, res: Response): void => {
    const url = new URL(req.originalUrl, 'http://collector')
    const query = Object.fromEntries(url.searchParams)
    // Convertro ties every call to a device: without `sid` the call is useless to it.
    const status = query.sid ? 200 : 400
    const entry: CollectedRequest = {
      id: (this.requests.at(-1)?.id ?? 0) + 1,
      receivedAt: new Date().toISOString(),
      method: req.method,
      kind: req.params.kind,
      client: req.params.client,
      site: req.params.site,
      url: req.originalUrl,
      query,
      userAgent: req.get('user-agent'),
      status
    }
    try {
      fs.appendFileSync(this.file, JSON.stringify(entry) + '\n')
      this.health.worked()
    } catch (error) {
      // Unrecorded, so not taken: a 5xx makes the destination send it again.
      this.health.failed(error)
      res.status(503).type('text/plain').send(`The collector cannot record calls: ${this.health.failure}`)
      return
    }
    this.requests.push(entry)
    if (status === 200) res.type('image/gif').send(PIXEL)
    else res.status(status).type('text/plain').send('sid is required')
  }
}

/** The collector's routes: Convertro's calls, and what it recorded for the tester. */
export function collectorRoutes(collector: Collector, callKinds: () => readonly string[]): express.Router {
  const router = express.Router()
  // `?limit=N`: only the newest N, so a page showing them costs the same whatever the collector holds; the
  // header says how many there are in all.
  router.get('/collector/requests', (req, res) => {
    const all = collector.list()
    const limit = Number(req.query.limit)
    res.set('X-Total-Count', String(all.length))
    res.json(Number.isInteger(limit) && limit > 0 ? all.slice(-limit) : all)
  })
  router.delete('/collector/requests', (_req, res) => {
    collector.clear()
    res.json({ ok: true })
  })
  // Convertro's calls are GETs; a HEAD (which Express would route here too) is not a call.
  router.get('/api/:kind/:client/:site', (req, res, next) => {
    if (req.method !== 'GET' || !callKinds().includes(req.params.kind)) return next()
    collector.handle(req, res)
  })
  return router
}
