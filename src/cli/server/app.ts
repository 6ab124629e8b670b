import http from 'http'
import path from 'path'
import type { AddressInfo } from 'net'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import { watch, type FSWatcher } from 'chokidar'
import { Destination, defaultValues } from '@segment/actions-core'
import type { DestinationDefinition, JSONObject } from '@segment/actions-core'
import { CALL_KINDS } from '../../destinations/convertro/constants'
import { ROOT, SERVER_DESTINATION_DIR, forgetModules, loadDefinition } from '../lib/destinations'
import { describeError, summarize } from '../lib/exchanges'
import { SAMPLE_EVENTS, SAMPLE_SETTINGS } from '../lib/samples'
import { Collector } from './collector'

export interface ServeOptions {
  port: number
  host: string
  /** JSON-lines file the collector appends to and reads back on start. */
  records: string
  /** Reload the destination when its source changes. */
  watch: boolean
  log: (line: string) => void
}

export interface RunningServer {
  url: string
  close(): Promise<void>
}

export const BODY_LIMIT = '1mb'

type Settings = Record<string, unknown>

/** Loopback address of this server, as a `domain` setting; only loopback hosts may use plain http. */
function collectorDomain(host: string, port: number): string {
  const loopback = host === '::1' ? '[::1]' : host === 'localhost' ? 'localhost' : '127.0.0.1'
  return `http://${loopback}:${port}`
}

function urlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `http://${shown}:${port}/`
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The destination under its source folder, read afresh when that source changes. */
class DestinationSource {
  definition!: DestinationDefinition<Settings>
  private watcher?: FSWatcher

  constructor(private readonly log: (line: string) => void) {}

  async load(): Promise<void> {
    this.definition = (await loadDefinition(SERVER_DESTINATION_DIR)) as DestinationDefinition<Settings>
  }

  /** Resolves once the watcher has seen the source tree, so no change after that is missed. */
  watch(): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    this.watcher = watch(path.join(ROOT, 'src/destinations'), { ignoreInitial: true })
    this.watcher.on('all', (_event, file) => {
      clearTimeout(timer)
      timer = setTimeout(() => void this.reload(path.relative(ROOT, file)), 150)
    })
    return new Promise((resolve) => this.watcher?.once('ready', resolve))
  }

  private async reload(file: string): Promise<void> {
    forgetModules(path.join(ROOT, 'src/destinations'))
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

export function createApp(
  source: DestinationSource,
  collector: Collector,
  domain: () => string,
  log: (line: string) => void
) {
  const app = express()
  app.disable('x-powered-by')
  // Bodies are JSON whatever their declared type, gzip or not (Segment's tooling is not consistent).
  app.use(express.json({ limit: BODY_LIMIT, type: () => true }))

  const withCollector = (settings: Settings): Settings =>
    settings.domain === undefined || settings.domain === null || settings.domain === ''
      ? { ...settings, domain: domain() }
      : settings

  app.use(express.static(path.join(__dirname, 'tester')))

  app.get('/manifest', (_req, res) => {
    res.json({ ...source.definition, directoryName: path.basename(SERVER_DESTINATION_DIR) })
  })

  app.get('/samples', (_req, res) => {
    const defaults = Object.fromEntries(
      Object.entries(source.definition.actions).map(([key, action]) => [key, defaultValues(action.fields)])
    )
    res.json({ settings: SAMPLE_SETTINGS, events: SAMPLE_EVENTS, defaults, collector: domain() })
  })

  app.post('/authenticate', async (req, res) => {
    try {
      await new Destination(source.definition).testAuthentication(isObject(req.body) ? req.body : {})
      res.json({ ok: true })
    } catch (error) {
      const { message, fields, summary } = describeError(error)
      res.json({ ok: false, error: message, fields: fields ?? {}, summary })
    }
  })

  app.get('/collector/requests', (_req, res) => {
    res.json(collector.list())
  })

  app.delete('/collector/requests', (_req, res) => {
    collector.clear()
    res.json({ ok: true })
  })

  app.get('/api/:kind/:client/:site', (req, res, next) => {
    if (!(CALL_KINDS as readonly string[]).includes(req.params.kind)) return next()
    collector.handle(req, res)
  })

  app.post('/:action', async (req: Request<{ action: string }>, res) => {
    const key = req.params.action
    if (!(key in source.definition.actions)) {
      const known = Object.keys(source.definition.actions).join(', ')
      res.status(404).json({ error: `Unknown action "${key}". Actions: ${known}.` })
      return
    }
    if (!isObject(req.body)) {
      res.status(400).json({ error: 'Send a JSON object: { "payload": {...}, "settings": {...}, "mapping": {...} }' })
      return
    }
    const { payload = {}, settings = {}, mapping = {} } = req.body
    if (!isObject(settings) || !isObject(mapping) || !(isObject(payload) || Array.isArray(payload))) {
      res
        .status(400)
        .json({ error: '"payload" must be an event or an array of events; "settings" and "mapping" objects' })
      return
    }

    // A destination per call: actions-core keeps every response on its instance, so a shared one
    // would hand one call's requests to the next (and to a concurrent one).
    const destination = new Destination(source.definition)
    const action = destination.actions[key]
    const bundle = {
      settings: withCollector(settings),
      mapping: { ...defaultValues(action.definition.fields), ...mapping } as JSONObject,
      auth: undefined
    }
    try {
      if (Array.isArray(payload)) {
        const multistatus = await action.executeBatch({ ...bundle, data: payload as JSONObject[] })
        const exchanges = await summarize(destination.responses)
        log(`POST /${key}: ${payload.length} event(s), ${exchanges.length} request(s)`)
        res.json({ multistatus, exchanges })
      } else {
        await action.execute({ ...bundle, data: payload as JSONObject })
        const exchanges = await summarize(destination.responses)
        log(`POST /${key}: ${exchanges.map((e) => e.response.statusCode).join(', ') || 'no request'}`)
        res.json(exchanges)
      }
    } catch (error) {
      const output = describeError(error)
      log(`POST /${key}: ${output.name}: ${output.message}`)
      res.json([...(await summarize(destination.responses)), output])
    }
  })

  app.use((req, res) => {
    res.status(404).json({ error: `No route ${req.method} ${req.path}` })
  })

  // Body-parser failures carry their HTTP status; anything else is ours and must not pass silently.
  app.use((error: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
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
  })
  return app
}

/** Starts the local server: the destination's routes, the collector and the tester page. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const source = new DestinationSource(options.log)
  await source.load()
  const collector = new Collector(options.records)
  let port = options.port
  const app = createApp(source, collector, () => collectorDomain(options.host, port), options.log)
  const server = http.createServer(app)

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  port = (server.address() as AddressInfo).port
  if (options.watch) await source.watch()

  return {
    url: urlOf(options.host, port),
    close: async () => {
      await source.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
