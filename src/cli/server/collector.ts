import fs from 'fs'
import { once } from 'events'
import readline from 'readline'
import type { Writable } from 'stream'
import express from 'express'
import type { Request, Response } from 'express'
import { isObject } from '@segment/actions-core'
import { readOwnLines, setTornLineAside, writablePath } from '../lib/files'
import { JSON_DEPTH_LIMIT } from '../lib/json'
import { WriteHealth } from '../lib/write-health'
import { ScenarioPlayer } from './scenario'
import { answerWith, describeAnswer, statusSent } from './answer'
import { scenarioRoutes } from './scenario-routes'

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
  /** The status answered; 0 when the call got none (no answer, a reset connection). */
  status: number
  /** How the answer departed from Convertro's own, when a scenario said so: `429`, `timeout`, `200, after 500 ms`. */
  scenario?: string
}

// Convertro's tracking calls answered with a 1×1 transparent GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')

const isRecord = (value: unknown): value is CollectedRequest =>
  isObject(value) && typeof value.id === 'number' && typeof value.url === 'string' && typeof value.kind === 'string'

/** Records kept in memory: the newest, which the tester page shows (1,000 at most) and the API pages through. */
export const COLLECTOR_WINDOW = 1000
/** Every this many records the collector notes where one begins in the file, to read older ones from near there. */
const MARK_EVERY = 1000

/** Records are written as `{"id":N,…}`: the id, read without parsing the rest of the line. */
const idOfLine = (line: string) => Number(/^\{"id":(\d+),/.exec(line)?.[1] ?? NaN)

/**
 * A stand-in for Convertro's API, which no longer answers: it answers each call the way a tracking endpoint does
 * and records it, appended to a JSON-lines file (the full store, read back on start) and, for the newest
 * `COLLECTOR_WINDOW`, in memory. Older records are read from the file.
 */
export class Collector {
  /** The newest records, oldest first. */
  private readonly recent: CollectedRequest[] = []
  private total = 0
  private lastId = 0
  /** The length of the file's whole records. */
  private size = 0
  /** The id and byte offset of every `MARK_EVERY`th record, from the first. */
  private marks: { id: number; offset: number }[] = []
  private readonly health: WriteHealth
  /** How calls are answered: as Convertro does, unless a scenario says otherwise. */
  readonly scenario = new ScenarioPlayer()

  private constructor(readonly file: string, log: (line: string) => void) {
    this.health = new WriteHealth(file, 'the collector answers 503 until it can, so senders retry', log)
  }

  /**
   * Reads the records kept by earlier runs, keeping the newest in memory. A file that is not a records file is
   * refused, and left as it is; a last line cut short by a crash is moved aside, to a file the log names.
   */
  static async open(file: string, log: (line: string) => void): Promise<Collector> {
    const collector = new Collector(writablePath(file, '--records'), log)
    const take = (value: unknown, _bytes: number, start: number) => {
      if (!isRecord(value)) return false
      collector.keep(value, start)
      return true
    }
    const format = { kind: 'collector records file', prefix: '{"id":', depth: JSON_DEPTH_LIMIT, take }
    const lines = await readOwnLines(collector.file, '--records', format)
    await setTornLineAside(collector.file, lines, log)
    collector.size = lines.complete
    return collector
  }

  /** Counts a record that begins at `offset` in the file, and keeps it in memory while it is among the newest. */
  private keep(entry: CollectedRequest, offset: number): void {
    if (this.total % MARK_EVERY === 0) this.marks.push({ id: entry.id, offset })
    this.total++
    this.lastId = entry.id
    this.recent.push(entry)
    if (this.recent.length > COLLECTOR_WINDOW) this.recent.shift()
  }

  /** The newest records, oldest first: `COLLECTOR_WINDOW` at most. */
  list(): readonly CollectedRequest[] {
    return this.recent
  }

  /** Records in the file, the ones in memory included. */
  get count(): number {
    return this.total
  }

  clear(): void {
    fs.writeFileSync(this.file, '')
    this.recent.length = 0
    this.total = 0
    this.lastId = 0
    this.size = 0
    this.marks = []
  }

  /**
   * The newest `limit` records with an id below `before` (either may be absent), oldest first, as JSON text each:
   * from memory when they are there, else read from the file from the nearest mark before them.
   */
  async page(limit: number, before = Infinity): Promise<string[]> {
    const below = this.recent.filter((entry) => entry.id < before)
    const complete = below.length >= limit || this.recent.length === this.total
    if (complete) return below.slice(-limit).map((entry) => JSON.stringify(entry))
    // The first mark at or past `before`: every record below it comes before that mark in the file.
    let end = this.marks.findIndex((mark) => mark.id >= before)
    if (end === -1) end = this.marks.length
    const first = Math.max(0, end - 1 - Math.ceil(limit / MARK_EVERY))
    const lines: string[] = []
    await this.eachLine(this.marks[first]?.offset ?? 0, this.marks[end]?.offset ?? this.size, (line, id) => {
      if (id >= before) return false
      lines.push(line)
      if (lines.length > limit) lines.shift()
      return true
    })
    return lines
  }

  /**
   * Every record below `before`, oldest first, read from the file up to where it ends now and written to `out` as a
   * JSON array a bit at a time, however many there are.
   */
  async writeAll(out: Writable, before = Infinity): Promise<void> {
    let chunk = '['
    let first = true
    // A reader that goes away stops the reading: its socket never drains.
    const flush = async () => {
      if (!out.write(chunk)) {
        const waited = new AbortController()
        const { signal } = waited
        await Promise.race([once(out, 'drain', { signal }), once(out, 'close', { signal })]).finally(() =>
          waited.abort()
        )
      }
      chunk = ''
    }
    await this.eachLine(0, this.size, async (line, id) => {
      if (id >= before || out.destroyed) return false
      chunk += first ? line : `,${line}`
      first = false
      if (chunk.length >= 64 * 1024) await flush()
      return true
    })
    chunk += ']'
    await flush()
  }

  /** Reads the file's lines between two offsets, until `each` says to stop. */
  private async eachLine(
    start: number,
    end: number,
    each: (line: string, id: number) => boolean | Promise<boolean>
  ): Promise<void> {
    if (end <= start) return
    const input = fs.createReadStream(this.file, { start, end: end - 1, encoding: 'utf8' })
    const lines = readline.createInterface({ input, crlfDelay: Infinity })
    try {
      for await (const line of lines) {
        if (line !== '' && !(await each(line, idOfLine(line)))) break
      }
    } finally {
      lines.close()
      input.destroy()
    }
  }

  /** Express handler for `GET /api/:kind/:client/:site/`. */
  readonly handle = (req: Request<{ kind: string; client: string; site: string }>, res: Response): void => {
    const url = new URL(req.originalUrl, 'http://collector')
    const query = Object.fromEntries(url.searchParams)
    const told = this.scenario.answerFor(req.params.kind, query.typ)
    // Convertro ties every call to a device: without `sid` the call is useless to it.
    const status = told ? statusSent(told) : query.sid ? 200 : 400
    const entry: CollectedRequest = {
      id: this.lastId + 1,
      receivedAt: new Date().toISOString(),
      method: req.method,
      kind: req.params.kind,
      client: req.params.client,
      site: req.params.site,
      url: req.originalUrl,
      query,
      userAgent: req.get('user-agent'),
      status,
      ...(told && { scenario: describeAnswer(told) })
    }
    const line = JSON.stringify(entry) + '\n'
    try {
      fs.appendFileSync(this.file, line)
      this.health.worked()
    } catch (error) {
      // Unrecorded, so not taken: a 5xx makes the destination send it again. Whatever part of the line reached the
      // file is cut back off, so the next record starts on a line of its own.
      this.health.failed(error)
      try {
        if (fs.statSync(this.file).size > this.size) fs.truncateSync(this.file, this.size)
      } catch {
        // Nothing more can be done: a torn line is set aside at the next start.
      }
      res.status(503).type('text/plain').send(`The collector cannot record calls: ${this.health.failure}`)
      return
    }
    this.keep(entry, this.size)
    this.size += Buffer.byteLength(line)
    if (told) answerWith(told, res, PIXEL)
    else if (status === 200) res.type('image/gif').send(PIXEL)
    else res.status(status).type('text/plain').send('sid is required')
  }
}

/** A query parameter as a whole number above 0, or undefined. */
function countOf(value: unknown): number | undefined {
  const number = Number(value)
  return Number.isInteger(number) && number > 0 ? number : undefined
}

/** The collector's routes: Convertro's calls, and what it recorded for the tester. */
export function collectorRoutes(collector: Collector, callKinds: () => readonly string[]): express.Router {
  const router = express.Router()
  // `?limit=N`: only the newest N, so a page showing them costs the same whatever the collector holds; `before=ID`:
  // those older than that record. The header says how many there are in all. Without a limit, every record, read
  // from the file.
  router.get('/collector/requests', async (req, res) => {
    const limit = countOf(req.query.limit)
    const before = countOf(req.query.before)
    res.set('X-Total-Count', String(collector.count))
    if (limit === undefined) {
      res.type('application/json')
      await collector.writeAll(res, before)
      res.end()
      return
    }
    res.type('application/json').send(`[${(await collector.page(limit, before)).join(',')}]`)
  })
  router.delete('/collector/requests', (_req, res) => {
    collector.clear()
    res.json({ ok: true })
  })
  router.use(scenarioRoutes(collector.scenario, callKinds))
  // Convertro's calls are GETs; a HEAD (which Express would route here too) is not a call.
  router.get('/api/:kind/:client/:site', (req, res, next) => {
    if (req.method !== 'GET' || !callKinds().includes(req.params.kind)) return next()
    collector.handle(req, res)
  })
  return router
}
