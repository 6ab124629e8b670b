import path from 'path'
import type { Command } from 'commander'
import { count, port } from '../lib/options'
import { DEFAULT_JOURNAL, STATE_DIR } from '../lib/paths'
import { DEFAULT_RETRY } from '../lib/retry'
import { startServer } from '../server/app'

const DEFAULT_RECORDS = path.relative(process.cwd(), path.join(STATE_DIR, 'collector.jsonl'))

interface ServeFlags {
  port?: number
  host: string
  records: string
  watch: boolean
  settings?: string
  subscriptions?: string
  writeKey?: string
  journal: string
  retries: number
  retryDelay: number
}

async function serve(flags: ServeFlags): Promise<void> {
  const { retries, retryDelay, ...rest } = flags
  const resolve = (file?: string) => file && path.resolve(file)
  const server = await startServer({
    ...rest,
    port: flags.port ?? port(process.env.PORT || '3000'),
    records: path.resolve(flags.records),
    journal: path.resolve(flags.journal),
    settings: resolve(flags.settings),
    subscriptions: resolve(flags.subscriptions),
    retry: { ...DEFAULT_RETRY, retries, delayMs: retryDelay },
    log: (line) => console.log(line)
  })
  console.log(`Convertro actions server: ${server.url} (bound to ${server.address})`)
  const key = flags.writeKey ? 'the write key given' : 'any write key'
  console.log(`Segment Tracking API: ${server.url}v1/ (${key}); accepted events are journaled to ${flags.journal}`)
  const stop = (signal: string) => {
    console.log(`${signal}: stopping`)
    void server.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

export function configure(command: Command): void {
  command
    .option('-p, --port <port>', 'port to listen on, 0 for any free one (default: $PORT or 3000)', port)
    .option('--host <host>', 'address to bind; other than loopback exposes the server to the network', '127.0.0.1')
    .option('--records <file>', 'JSON-lines file where the collector keeps requests', DEFAULT_RECORDS)
    .option('--no-watch', 'do not reload the destination when its source changes')
    .option('-s, --settings <file>', 'settings for events sent to /v1 (default: the collector is the domain)')
    .option('--subscriptions <file>', 'subscriptions for those events, as migrate prints them (default: the presets)')
    .option('--write-key <key>', 'require this write key on /v1 requests (default: any key is accepted)')
    .option(
      '--journal <file>',
      'JSON-lines journal of the events /v1 accepted',
      path.relative(process.cwd(), DEFAULT_JOURNAL)
    )
    .option('--retries <n>', 'retries of a retryable failure (408, 429, 5xx, no answer)', count, DEFAULT_RETRY.retries)
    .option(
      '--retry-delay <ms>',
      'wait before the first retry, doubled each time up to 30 s',
      count,
      DEFAULT_RETRY.delayMs
    )
    .action(serve)
}
