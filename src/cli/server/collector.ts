import fs from 'fs'
import path from 'path'
import express from 'express'
import type { Request, Response } from 'express'

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

/**
 * A stand-in for Convertro's API, which no longer answers: it answers each call the way a tracking
 * endpoint does and records it, in memory and appended to a JSON-lines file that it reads back on start.
 */
export class Collector {
  private readonly requests: CollectedRequest[] = []

  constructor(readonly file: string, log: (line: string) => void) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    if (!fs.existsSync(file)) return
    let skipped = false
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (!line.trim()) return
        try {
          this.requests.push(JSON.parse(line) as CollectedRequest)
        } catch {
          // A crash mid-append leaves a partial last line: skip it rather than refuse to start.
          log(`Skipped ${file}:${index + 1}, which is not a complete record`)
          skipped = true
        }
      })
    // Rewritten without the partial line, so the next append does not run into it.
    if (skipped) fs.writeFileSync(file, this.requests.map((entry) => JSON.stringify(entry) + '\n').join(''))
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
    fs.appendFileSync(this.file, JSON.stringify(entry) + '\n')
    this.requests.push(entry)
    if (status === 200) res.type('image/gif').send(PIXEL)
    else res.status(status).type('text/plain').send('sid is required')
  }
}

/** The collector's routes: Convertro's calls, and what it recorded for the tester. */
export function collectorRoutes(collector: Collector, callKinds: () => readonly string[]): express.Router {
  const router = express.Router()
  router.get('/collector/requests', (_req, res) => {
    res.json(collector.list())
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
