import http from 'http'
import path from 'path'
import type { AddressInfo } from 'net'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import { Destination, defaultValues, isObject } from '@segment/actions-core'
import type { DestinationDefinition, JSONObject } from '@segment/actions-core'
import { CALL_KINDS, LOOPBACK_HOSTS } from '../../destinations/convertro/constants'
import { ROOT, SERVER_DESTINATION_DIR, forgetModules, loadDefinition } from '../lib/destinations'
import { describeError } from '../lib/exchanges'
import { hasAction, runAction } from '../lib/run'
import { SAMPLE_EVENTS, SAMPLE_SETTINGS } from '../lib/samples'
import { watchSources } from '../lib/watch'
import { IngestPipeline } from '../ingest/pipeline'
import { trackingApi } from '../ingest/tracking-api'
import { checkSettings, presetSubscriptions, readSettings, readSubscriptions, withDomain } from '../pipeline/routing'
import type { RetryPolicy } from '../pipeline/retry'
import { Collector } from './collector'

export interface ServeOptions {
  port: number
  host: string
  /** JSON-lines file the collector appends to and reads back on start. */
  records: string
  /** Reload the destination when its source changes. */
  watch: boolean
  log: (line: string) => void
  /** Settings for events sent to the Tracking API (a JSON file); the collector is the default domain. */
  settings?: string
  /** Subscriptions for those events, in `migrate`'s shape; the automatic presets by default. */
  subscriptions?: string
  /** Write key the Tracking API requires; any is accepted without one. */
  writeKey?: string
  /** JSON-lines journal of the events the Tracking API accepted. */
  journal: string
  retry: RetryPolicy
}

export interface RunningServer {
  url: string
  /** The address the socket is bound to, as the system reports it. */
  address: string
  close(): Promise<void>
}

export const BODY_LIMIT = '1mb'

/** Ingested events processed at once. */
export const INGEST_CONCURRENCY = 10

type Definition = DestinationDefinition<JSONObject>

// The names the destination lets take plain http: the collector's default domain is one of them.
const LOOPBACK_NAMES = new Set(LOOPBACK_HOSTS)
const isLoopback = (host: string) => LOOPBACK_NAMES.has(host) || host === '::1'
const isWildcard = (host: string) => host === '0.0.0.0' || host === '::'

/**
 * This server as a `domain` setting, for events sent without one. Plain http is allowed only for the
 * loopback names, so a server bound to one specific other address has no such default.
 */
function collectorDomain(host: string, port: number): string | undefined {
  if (isWildcard(host)) return `http://127.0.0.1:${port}`
  if (isLoopback(host)) return `http://${host === '::1' ? '[::1]' : host}:${port}`
  return undefined
}

function urlOf(host: string, port: number): string {
  const shown = isWildcard(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `http://${shown}:${port}/`
}

/** The destination under its source folder, read afresh when that source changes. */
class DestinationSource {
  definition!: Definition
  private watcher?: { close(): Promise<void> }

  constructor(private readonly log: (line: string) => void) {}

  async load(): Promise<void> {
    this.definition = (await loadDefinition(SERVER_DESTINATION_DIR)) as Definition
  }

  async watch(): Promise<void> {
    const sources = path.join(ROOT, 'src/destinations')
    this.watcher = await watchSources([sources], (file) => void this.reload(sources, path.relative(ROOT, file)), {
      log: this.log
    })
  }

  private async reload(sources: string, file: string): Promise<void> {
    forgetModules(sources)
    try {
      await this.load()
      this.log(`Reloaded ${this.definition.name} after a change to ${file}`)
    } catch (error) {
      this.log(`Kept the previous ${this.definition.name}: ${file} does not load (${(error as Error).message})`)
    }
  }

  async close(): Promise<void> {
    await this.watcher?.close()
  }
}

/**
 * A page on any website can make the browser post to 127.0.0.1, or reach it by rebinding its own name
 * to it. Bound to loopback, the server answers only requests addressed to a loopback name.
 */
function loopbackOnly(req: Request, res: Response, next: NextFunction): void {
  let name = ''
  try {
    name = new URL(`http://${req.headers.host ?? ''}`).hostname
  } catch {
    // An unparseable Host header is refused below like any foreign one.
  }
  if (LOOPBACK_NAMES.has(name)) return next()
  res
    .status(403)
    .json({ error: `Host "${req.headers.host ?? ''}" is not a loopback name: this server answers only on loopback` })
}

/** Body-parser failures carry their type; anything else is ours and must not pass silently. */
function errorHandler(log: (line: string) => void) {
  return (error: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    if (error.type === 'entity.parse.failed') {
      res.status(400).json({ error: `Malformed JSON: ${error.message}` })
    } else if (error.type === 'entity.too.large') {
      res.status(413).json({ error: `Request body is larger than ${BODY_LIMIT}` })
    } else if (error.status && error.status < 500) {
      res.status(error.status).json({ error: error.message })
    } else {
      log(`${req.method} ${req.path} failed: ${error.stack ?? error.message}`)
      res.status(500).json({ error: error.message })
    }
  }
}

function createApp(
  source: DestinationSource,
  collector: Collector,
  ingest: IngestPipeline,
  options: ServeOptions,
  domain: () => string | undefined
) {
  const { log } = options
  const app = express()
  app.disable('x-powered-by')
  if (isLoopback(options.host)) app.use(loopbackOnly)
  // Segment's SDKs post here in their own formats, so this comes before the JSON body parser.
  app.use('/v1', trackingApi({ writeKey: options.writeKey, accept: (events, at) => ingest.accept(events, at) }))
  app.use(express.json({ limit: BODY_LIMIT }))

  /** Requests that change something must be JSON: a plain form or text post from another site is not. */
  const requireJson = (req: Request, res: Response, next: NextFunction) => {
    if (req.is('application/json')) return next()
    res.status(415).json({ error: 'Send the body as JSON, with Content-Type: application/json' })
  }

  const withCollector = (settings: JSONObject): JSONObject => withDomain(settings, domain())

  app.get('/manifest', (_req, res) => {
    res.json({ ...source.definition, directoryName: path.basename(SERVER_DESTINATION_DIR) })
  })

  app.get('/samples', (_req, res) => {
    const defaults = Object.fromEntries(
      Object.entries(source.definition.actions).map(([key, action]) => [key, defaultValues(action.fields)])
    )
    res.json({ settings: SAMPLE_SETTINGS, events: SAMPLE_EVENTS, defaults, collector: domain() ?? null })
  })

  app.post('/authenticate', requireJson, async (req, res) => {
    try {
      await new Destination(source.definition).testAuthentication(isObject(req.body) ? (req.body as JSONObject) : {})
      res.json({ ok: true })
    } catch (error) {
      const { message, fields, summary } = describeError(error)
      res.json({ ok: false, error: message, fields: fields ?? {}, summary })
    }
  })

  app.get('/ingest/events', (req, res) => {
    const limit = Number(req.query.limit ?? 100)
    res.json(ingest.view(Number.isInteger(limit) && limit > 0 ? limit : 100))
  })

  app.get('/collector/requests', (_req, res) => {
    res.json(collector.list())
  })

  app.delete('/collector/requests', (_req, res) => {
    collector.clear()
    res.json({ ok: true })
  })

  // Convertro's calls are GETs; a HEAD (which Express would route here too) is not a call.
  app.get('/api/:kind/:client/:site', (req, res, next) => {
    if (req.method !== 'GET' || !(CALL_KINDS as readonly string[]).includes(req.params.kind)) return next()
    collector.handle(req, res)
  })

  app.post('/:action', requireJson, async (req: Request<{ action: string }>, res) => {
    const key = req.params.action
    if (!hasAction(source.definition, key)) {
      const known = Object.keys(source.definition.actions).join(', ')
      res.status(404).json({ error: `Unknown action "${key}". Actions: ${known}.` })
      return
    }
    const { payload = {}, settings = {}, mapping = {} } = isObject(req.body) ? req.body : {}
    if (!isObject(settings) || !isObject(mapping) || !(isObject(payload) || Array.isArray(payload))) {
      res.status(400).json({ error: 'Send { "payload": event or [events], "settings": {...}, "mapping": {...} }' })
      return
    }
    const run = await runAction(source.definition, key, {
      payload: payload as JSONObject | JSONObject[],
      settings: withCollector(settings as JSONObject),
      mapping: mapping as JSONObject
    })
    const statuses = run.exchanges.map((e) => e.response.statusCode).join(', ') || 'no request'
    log(`POST /${key}: ${statuses}${run.error ? `; ${run.error.name}: ${run.error.message}` : ''}`)
    if (run.multistatus) res.json({ multistatus: run.multistatus, exchanges: run.exchanges })
    else res.json(run.error ? [...run.exchanges, run.error] : run.exchanges)
  })

  // The page comes after the routes, so no call of the collector's first looks for a file.
  app.use(express.static(path.join(__dirname, 'tester')))

  app.use((req, res) => {
    res.status(404).json({ error: `No route ${req.method} ${req.path}` })
  })
  app.use(errorHandler(log))
  return app
}

/** Starts the local server: the destination's routes, the collector and the tester page. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const source = new DestinationSource(options.log)
  await source.load()
  // Files that do not fit stop the server before it answers anything, with the problem named.
  const settings = options.settings ? readSettings(options.settings) : SAMPLE_SETTINGS
  const subscriptions = options.subscriptions && readSubscriptions(options.subscriptions, source.definition)
  const collector = new Collector(options.records, options.log)
  const ingest = await IngestPipeline.open({
    journal: options.journal,
    concurrency: INGEST_CONCURRENCY,
    retry: options.retry,
    log: options.log
  })
  let port = options.port
  const app = createApp(source, collector, ingest, options, () => collectorDomain(options.host, port))
  const server = http.createServer(app)

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const bound = server.address() as AddressInfo
  port = bound.port
  const ingestSettings = withDomain(settings, collectorDomain(options.host, port))
  try {
    await checkSettings(source.definition, ingestSettings)
  } catch (error) {
    server.close()
    await ingest.close()
    throw new Error(`${options.settings ?? 'The default settings'}: ${(error as Error).message}`)
  }
  ingest.start({
    definition: () => source.definition,
    settings: ingestSettings,
    subscriptions: () => subscriptions || presetSubscriptions(source.definition)
  })
  if (options.watch) await source.watch()
  if (!isLoopback(options.host)) {
    options.log(
      `Listening beyond loopback (${options.host}): anyone who reaches it can make this server send requests.`
    )
  }
  if (!collectorDomain(options.host, port)) {
    options.log(`No default domain: plain http to ${options.host} is not allowed, so give each call a domain.`)
  }

  return {
    url: urlOf(options.host, port),
    address: `${bound.address}:${bound.port}`,
    close: async () => {
      await source.close()
      // Requests under way are answered first (a Tracking API sender otherwise retries what was kept), within
      // a few seconds; idle keep-alive connections close at once.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      const timer = setTimeout(() => server.closeAllConnections(), 3000)
      await closed
      clearTimeout(timer)
      await ingest.close()
    }
  }
}
