import path from 'path'
import { destinationSources, forgetDestinations, loadServerDestination } from '../destinations'
import type { DestinationRules, ServerDestination } from '../destinations'
import type { Definition } from '../lib/definition'
import { PROJECT_ROOT } from '../lib/paths'
import { watchSources } from '../lib/watch'

/** The server destination and its rules, loaded again when their source changes. */
export class DestinationSource {
  private loaded!: ServerDestination
  private watcher?: { close(): Promise<void> }

  private constructor(private readonly log: (line: string) => void) {}

  static async open(log: (line: string) => void): Promise<DestinationSource> {
    const source = new DestinationSource(log)
    source.loaded = await loadServerDestination()
    return source
  }

  get definition(): Definition {
    return this.loaded.definition
  }

  get rules(): DestinationRules {
    return this.loaded.rules
  }

  async watch(): Promise<void> {
    this.watcher = await watchSources(
      destinationSources(),
      (file) => void this.reload(path.relative(PROJECT_ROOT, file)),
      { log: this.log }
    )
  }

  private async reload(file: string): Promise<void> {
    forgetDestinations()
    try {
      this.loaded = await loadServerDestination()
      this.log(`Reloaded ${this.definition.name} after a change to ${file}`)
    } catch (error) {
      this.log(`Kept the previous ${this.definition.name}: ${file} does not load (${(error as Error).message})`)
    }
  }

  async close(): Promise<void> {
    await this.watcher?.close()
  }
}
