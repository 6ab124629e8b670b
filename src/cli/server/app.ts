import http from 'http'
import path from 'path'
import type { AddressInfo } from 'net'
import express from 'express'
import type { JSONObject, Subscription } from '@segment/actions-core'
import type { RetryPolicy } from '../lib/retry'
import { SAMPLE_SETTINGS } from '../lib/samples'
import { IngestPipeline } from '../ingest/pipeline'
import { ingestRoutes } from '../ingest/routes'
import { checkSettings, readSettings, withDomain } from '../routing/settings'
import { presetSubscriptions, readSubscriptions } from '../routing/subscriptions'
import { actionRoutes } from './actions'
import { Collector, collectorRoutes } from './collector'
import { deviceRoutes } from './device'
import { errorHandler, jsonBody, loopbackOnly, notFound, pageHeaders } from './guards'
import { hostedTesterCors } from './hosted-tester'
import { startLiveReload } from './live-reload'
import type { LiveReload } from './live-reload'
import { DestinationSource } from './source'
import type { ServeTarget } from './source'

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
  /** The destination Segment's routes serve; the project's server destination by default. */
  target?: ServeTarget
  /** Open the hosted Actions Tester's live-reload websocket on port + 1 (with `watch`), as Segment's serve does. */
  liveReload?: boolean
}

export interface RunningServer {
  url: string
  /** The hosted Actions Tester's live-reload websocket, when open. */
  liveReloadUrl?: string
  /** The address the socket is bound to, as the system reports it. */
  address: string
  close(): Promise<void>
}

/** Ingested events processed at once. */
export const INGEST_CONCURRENCY = 10

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::'

/** Where the server listens, and what that makes of its collector as a `domain` setting. */
class Binding {
  port: number

  constructor(readonly host: string, port: number, private readonly source: DestinationSource) {
    this.port = port
  }

  /** Bound to a name the destination lets take plain http. */
  get loopback(): boolean {
    return this.source.rules.LOOPBACK_HOSTS.includes(this.host) || this.host === '::1'
  }

  /**
   * This server as a `domain` setting, for events sent without one. Plain http is allowed only for the
   * loopback names, so a server bound to one specific other address has no such default.
   */
  collectorDomain(): string | undefined {
    if (isWildcard(this.host)) return `http://127.0.0.1:${this.port}`
    if (this.loopback) return `http://${this.host === '::1' ? '[::1]' : this.host}:${this.port}`
    return undefined
  }

  url(): string {
    const shown = isWildcard(this.host) ? '127.0.0.1' : this.host.includes(':') ? `[${this.host}]` : this.host
    return `http://${shown}:${this.port}/`
  }
}

interface Parts {
  source: DestinationSource
  collector: Collector
  ingest: IngestPipeline
  binding: Binding
  liveReload?: LiveReload
}

/** The routes in the order they must meet a request. */
function createApp({ source, collector, ingest, binding }: Parts, options: ServeOptions): express.Express {
  const app = express()
  app.disable('x-powered-by')
  if (binding.loopback) app.use(loopbackOnly(() => source.rules.LOOPBACK_HOSTS))
  // Segment's SDKs post to /v1 in their own formats, so it comes before the JSON body parser.
  app.use(ingestRoutes(ingest, options.writeKey))
  // Before the body parser, so the hosted Actions Tester can read a malformed body's 400 too.
  app.use(hostedTesterCors(() => source.served))
  app.use(jsonBody())
  app.use(collectorRoutes(collector, () => source.rules.CALL_KINDS))
  app.use(actionRoutes(source, () => binding.collectorDomain(), options.log))
  app.use(deviceRoutes((listener) => source.onReload(listener), options.log))
  // The page comes after the routes, so no call of the collector's first looks for a file.
  app.use(express.static(path.join(__dirname, 'tester'), { setHeaders: pageHeaders }))
  app.use(notFound)
  app.use(errorHandler(options.log))
  return app
}

async function listen(server: http.Server, { port, host }: ServeOptions): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  return server.address() as AddressInfo
}

/** Where the Tracking API's events go: the settings and subscriptions given, or the samples and presets. */
interface Routing {
  settings: JSONObject
  subscriptions?: Subscription[]
  /** The settings file, to name in errors. */
  file?: string
}

/** Starts sending what the Tracking API takes, once the settings it will be sent with are known to be good. */
async function startIngest({ source, ingest, binding }: Parts, routing: Routing): Promise<void> {
  const settings = withDomain(routing.settings, binding.collectorDomain())
  const { subscriptions } = routing
  try {
    await checkSettings(source.definition, settings)
  } catch (error) {
    throw new Error(`${routing.file ?? 'The default settings'}: ${(error as Error).message}`)
  }
  ingest.start({
    definition: () => source.definition,
    settings,
    subscriptions: () => subscriptions || presetSubscriptions(source.definition)
  })
}

/** Reloads the destination when its source changes, and tells the hosted Actions Tester (port + 1) when asked. */
async function watch(parts: Parts, options: ServeOptions): Promise<void> {
  await parts.source.watch()
  if (!options.liveReload) return
  const liveReload = await startLiveReload(options.host, parts.binding.port + 1, options.log)
  parts.source.onReload(() => liveReload.changed())
  parts.liveReload = liveReload
}

/** Stops taking requests: those under way are answered first, within a few seconds. */
async function stop(server: http.Server, { source, ingest, liveReload }: Parts): Promise<void> {
  await source.close()
  await liveReload?.close()
  // A Tracking API sender not answered retries what was kept; idle keep-alive connections close at once.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  const timer = setTimeout(() => server.closeAllConnections(), 3000)
  await closed
  clearTimeout(timer)
  await ingest.close()
}

/** Starts the local server: the destination's routes, the collector, the Tracking API and the tester page. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const source = await DestinationSource.open(options.log, options.target)
  // Files that do not fit stop the server before it answers anything, with the problem named.
  const routing: Routing = {
    settings: options.settings ? readSettings(options.settings) : SAMPLE_SETTINGS,
    subscriptions: options.subscriptions ? readSubscriptions(options.subscriptions, source.definition) : undefined,
    file: options.settings
  }
  const collector = await Collector.open(options.records, options.log)
  const { journal, retry, log } = options
  const ingest = await IngestPipeline.open({ journal, retry, log, concurrency: INGEST_CONCURRENCY })
  const parts: Parts = { source, collector, ingest, binding: new Binding(options.host, options.port, source) }
  const server = http.createServer(createApp(parts, options))
  let bound: AddressInfo
  try {
    bound = await listen(server, options)
    parts.binding.port = bound.port
    await startIngest(parts, routing)
    ingest.announce({ url: parts.binding.url(), collector: parts.binding.collectorDomain() ?? null })
  } catch (error) {
    // A start that fails leaves nothing held: the journal's lock goes with it.
    server.close()
    await ingest.close()
    throw error
  }
  if (options.watch) await watch(parts, options)
  if (!parts.binding.loopback) {
    options.log(
      `Listening beyond loopback (${options.host}): anyone who reaches it can make this server send requests.`
    )
  }
  if (!parts.binding.collectorDomain()) {
    options.log(`No default domain: plain http to ${options.host} is not allowed, so give each call a domain.`)
  }
  const address = `${bound.address}:${bound.port}`
  const liveReloadUrl = parts.liveReload?.url
  return { url: parts.binding.url(), address, liveReloadUrl, close: () => stop(server, parts) }
}
