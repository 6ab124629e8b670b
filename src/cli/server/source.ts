import path from 'path'
import {
  SERVER_DESTINATION_DIR,
  destinationSources,
  forgetDestinations,
  loadDefinition,
  loadServerDestination
} from '../destinations'
import type { DestinationRules, ServerDestination } from '../destinations'
import type { CollectorAgent } from '../lib/collector-host'
import { browserSettingsDefinition } from '../lib/definition'
import type { AnyDefinition, Definition } from '../lib/definition'
import { PROJECT_ROOT } from '../lib/paths'
import { watchSources } from '../lib/watch'

/** The destination Segment's routes serve (`serve -d/-b/-r`): a server destination's folder, or a browser one's. */
export interface ServeTarget {
  dir: string
  /** A device-mode destination: its definition is served, its actions run in the page. */
  browser: boolean
}

/** What Segment's routes (/manifest, /authenticate, /<action>) serve. */
export interface Served {
  definition: AnyDefinition
  /** The definition actions-core's cloud `Destination` runs: a browser one's has its settings and no actions. */
  cloud: Definition
  /** The folder's name, which Segment's serve adds to the manifest as `directoryName`. */
  directoryName: string
  browser: boolean
}

export const DEFAULT_TARGET: ServeTarget = { dir: SERVER_DESTINATION_DIR, browser: false }

/**
 * The server destination and its rules, and the destination Segment's routes serve, loaded again when their
 * source changes. The Tracking API and the collector always run the server destination: a browser one has no
 * server calls to make.
 */
export class DestinationSource {
  private loaded!: ServerDestination
  private browser?: { definition: AnyDefinition; cloud: Definition }
  private watcher?: { close(): Promise<void> }
  private readonly listeners: (() => void)[] = []

  private constructor(
    private readonly log: (line: string) => void,
    private readonly agent: CollectorAgent,
    private readonly target: ServeTarget
  ) {}

  /** `agent` is what the server destination's requests go through, from one load to the next. */
  static async open(
    log: (line: string) => void,
    agent: CollectorAgent,
    target = DEFAULT_TARGET
  ): Promise<DestinationSource> {
    const source = new DestinationSource(log, agent, target)
    await source.load()
    return source
  }

  /** Both loaded before either is kept, so a change that does not load leaves the previous pair. */
  private async load(): Promise<void> {
    const { dir, browser } = this.target
    const loaded = await loadServerDestination({ dir: browser ? SERVER_DESTINATION_DIR : dir, agent: this.agent })
    const definition = browser ? await loadDefinition(dir) : undefined
    if (definition && definition.mode !== 'device') {
      throw new Error(`${path.basename(dir)} is a ${definition.mode}-mode destination: serve it without -r`)
    }
    this.loaded = loaded
    this.browser = definition && { definition, cloud: browserSettingsDefinition(definition) }
  }

  get definition(): Definition {
    return this.loaded.definition
  }

  get rules(): DestinationRules {
    return this.loaded.rules
  }

  get served(): Served {
    const { dir, browser } = this.target
    const { definition, cloud } = this.browser ?? { definition: this.loaded.definition, cloud: this.loaded.definition }
    return { definition, cloud, directoryName: path.basename(dir), browser }
  }

  /** Called after each successful reload (the hosted Actions Tester's live reload listens). */
  onReload(listener: () => void): void {
    this.listeners.push(listener)
  }

  async watch(): Promise<void> {
    this.watcher = await watchSources(
      destinationSources([this.target.dir]),
      (file) => void this.reload(path.relative(PROJECT_ROOT, file)),
      { log: this.log }
    )
  }

  private async reload(file: string): Promise<void> {
    forgetDestinations([this.target.dir])
    try {
      await this.load()
      this.log(`Reloaded ${this.definition.name} after a change to ${file}`)
      this.listeners.forEach((listener) => listener())
    } catch (error) {
      this.log(`Kept the previous ${this.definition.name}: ${file} does not load (${(error as Error).message})`)
    }
  }

  async close(): Promise<void> {
    await this.watcher?.close()
  }
}
