// The soak scenario's server: `serve` as `npm start` runs it (the embedded collector, the presets, the sample
// settings), in a process of its own so its memory is its own and a kill -9 is real. Started with --expose-gc; it
// tells its parent where it answers, passes on its log lines, and answers `sample` with its memory after a full GC.
import path from 'node:path'
import { DEFAULT_RETRY } from '../../src/cli/lib/retry'
import { startServer } from '../../src/cli/server/app'

async function main() {
  const dir = process.argv[2]
  const send = (message: unknown) => process.send?.(message)
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    records: path.join(dir, 'collector.jsonl'),
    journal: path.join(dir, 'ingest.jsonl'),
    watch: false,
    log: (line) => send({ log: line }),
    retry: DEFAULT_RETRY
  })
  // Memory after a full GC, read three times 250 ms apart, the lowest kept: what the process holds, not the pages
  // its young generation has not handed back yet.
  const sample = async () => {
    const gc = (globalThis as { gc?: () => void }).gc
    let lowest: NodeJS.MemoryUsage | undefined
    for (let reading = 0; reading < 3; reading++) {
      gc?.()
      gc?.()
      const usage = process.memoryUsage()
      if (!lowest || usage.rss < lowest.rss) lowest = usage
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const { rss, heapUsed, external, arrayBuffers } = lowest as NodeJS.MemoryUsage
    send({ sample: { rss, heapUsed, external, arrayBuffers } })
  }
  process.on('message', (message) => {
    if (message === 'sample') void sample()
  })
  process.on('SIGTERM', () => {
    void server.close().then(() => process.exit(0))
  })
  send({ url: server.url })
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
