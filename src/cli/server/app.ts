import http from 'http'
import path from 'path'
import type { AddressInfo } from 'net'
import express from 'express'
import type { JSONObject, Subscription } from '@segment/actions-core'
import { CollectorAgent, addressUrl } from '../lib/collector-host'
import type { CollectorAddress } from '../lib/collector-host'
import type { RetryPolicy } from '../lib/retry'
import { SAMPLE_SETTINGS } from '../lib/samples'
import { IngestPipeline } from '../ingest/pipeline'
import { ingestRoutes } from '../ingest/routes'
import { checkSettings, readSettings, withCollector } from '../routing/settings'
import { presetSubscriptions, readSubscriptions } from '../routing/subscriptions'
import { actionRoutes } from './actions'
import { Collector, collectorRoutes } from './collector'
import { deviceRoutes } from './device'
import { LOOPBACK_NAMES, errorHandler, jsonBody, loopbackOnly, notFound, pageHeaders } from './guards'
import { hostedTesterCors } from './hosted-tester'
import { startLiveReload } from './live-reload'
import type { LiveReload } from './live-reload'
import { readScenarioFile } from './scenario'
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
  /** A scenario file: how the collector answers until told otherwise (always 200 without one). */
  scenario?: string
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

/** Where the server listens, and so where its collector answers this process's calls to `convertro.test`. */
class Binding {
  /** The address the socket is bound to, once it is. */
  bound?: AddressInfo

  constructor(readonly host: string, readonly port: number) {}

  /** Bound to a loopback name: only this machine reaches it. */
  get loopback(): boolean {
    return LOOPBACK_NAMES.includes(this.host) || this.host === '::1'
  }

  /**
   * Where this process connects to reach its own collector: the bound address, or for a wildcard one, loopback of
   * its family. Plain TCP on this machine, whatever the binding: calls are https to `convertro.test` all the same.
   */
  collector(): CollectorAddress | undefined {
    if (!this.bound) return undefined
    const { address, family, port } = this.bound
    if (!isWildcard(address)) return { host: address, port }
    return { host: family === 'IPv6' ? '::1' : '127.0.0.1', port }
  }

  /** The port it listens on: the one asked for, or the one the system picked for port 0. */
  get boundPort(): number {
    return this.bound?.port ?? this.port
  }

  url(): string {
    const port = this.boundPort
    const shown = isWildcard(this.host) ? '127.0.0.1' : this.host.includes(':') ? `[${this.host}]` : this.host
    return `http://${shown}:${port}/`
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
  if (binding.loopback) app.use(loopbackOnly())
  // Segment's SDKs post to /v1 in their own formats, so it comes before the JSON body parser.
  app.use(ingestRoutes(ingest, options.writeKey))
  // Before the body parser, so the hosted Actions Tester can read a malformed body's 400 too.
  app.use(hostedTesterCors(() => source.served))
  app.use(jsonBody())
  app.use(collectorRoutes(collector, () => source.rules.CALL_KINDS))
  app.use(actionRoutes(source, options.log))
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
async function startIngest({ source, ingest }: Parts, routing: Routing): Promise<void> {
  const settings = withCollector(routing.settings)
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
  const liveReload = await startLiveReload(options.host, parts.binding.boundPort + 1, options.log)
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
  const binding = new Binding(options.host, options.port)
  const agent = new CollectorAgent(() => binding.collector())
  const source = await DestinationSource.open(options.log, agent, options.target)
  // Files that do not fit stop the server before it answers anything, with the problem named.
  const routing: Routing = {
    settings: options.settings ? readSettings(options.settings) : SAMPLE_SETTINGS,
    subscriptions: options.subscriptions ? readSubscriptions(options.subscriptions, source.definition) : undefined,
    file: options.settings
  }
  const scenario = options.scenario ? readScenarioFile(options.scenario, source.rules.CALL_KINDS) : undefined
  const collector = await Collector.open(options.records, options.log)
  if (scenario) collector.scenario.set(scenario)
  const { journal, retry, log } = options
  const ingest = await IngestPipeline.open({ journal, retry, log, concurrency: INGEST_CONCURRENCY })
  const parts: Parts = { source, collector, ingest, binding }
  const server = http.createServer(createApp(parts, options))
  try {
    binding.bound = await listen(server, options)
    await startIngest(parts, routing)
    const collectorUrl = addressUrl(binding.collector() as CollectorAddress)
    ingest.announce({ url: binding.url(), collector: collectorUrl })
  } catch (error) {
    // A start that fails leaves nothing held: the journal's lock goes with it.
    server.close()
    await ingest.close()
    throw error
  }
  if (options.watch) await watch(parts, options)
  if (!binding.loopback) {
    options.log(
      `Listening beyond loopback (${options.host}): anyone who reaches it can make this server send requests.`
    )
  }
  const { address, port } = binding.bound
  const liveReloadUrl = parts.liveReload?.url
  return { url: binding.url(), address: `${address}:${port}`, liveReloadUrl, close: () => stop(server, parts) }
}
