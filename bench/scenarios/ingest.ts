import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import pLimit from 'p-limit'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import { loadServerDestination } from '../../src/cli/destinations'
import { COLLECTOR_HOST } from '../../src/cli/lib/collector-host'
import { SAMPLE_SETTINGS } from '../../src/cli/lib/samples'
import { DEFAULT_RETRY } from '../../src/cli/lib/retry'
import { routeEvent } from '../../src/cli/routing/route-event'
import { presetSubscriptions } from '../../src/cli/routing/subscriptions'
import { INGEST_CONCURRENCY, startServer } from '../../src/cli/server/app'
import type { RunningServer } from '../../src/cli/server/app'
import type { Config } from '../lib/config'
import { getJson, request } from '../lib/http'
import { TRAFFIC_MIX } from '../lib/fixtures'
import { compare, figure, fmt, median, ratios } from '../lib/stats'
import type { Row } from '../lib/stats'

/** Events per `POST /v1/batch`, and requests in flight at once: a few SDK flushes arriving together. */
const BATCH_SIZE = 100
const BATCHES_IN_FLIGHT = 4
/** How often the server's counts are read once every batch is acknowledged. */
const POLL_MS = 2
const TARGET = 0.5

/** `count` events of the mix, each from one of 97 users on their own device, each with its own message id. */
function trafficOf(count: number): SegmentEvent[] {
  return Array.from({ length: count }, (_, index) => {
    const template = TRAFFIC_MIX[index % TRAFFIC_MIX.length]
    const user = index % 97
    return {
      ...template,
      messageId: `bench-${index}`,
      userId: `user-${user}`,
      anonymousId: `anon-${user}`,
      context: { ...template.context, device: { id: `device-${user}` } }
    }
  })
}

/** Runs `work` on every item, `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const next = pLimit(limit)
  await Promise.all(items.map((item) => next(() => work(item))))
}

/**
 * How long an fdatasync of a journal-sized write takes on the temp dir's disk at this moment: every
 * acknowledgement, and every event's last step, waits for one.
 */
async function syncTimes(dir: string, samples = 10): Promise<number[]> {
  const handle = await fs.promises.open(path.join(dir, 'sync-probe'), 'a')
  const times: number[] = []
  try {
    for (let i = 0; i < samples; i++) {
      await handle.write(Buffer.alloc(16 * 1024, 'x'))
      const start = performance.now()
      await handle.datasync()
      times.push(performance.now() - start)
    }
  } finally {
    await handle.close()
  }
  return times
}

type Counts = Record<'accepted' | 'sent' | 'skipped' | 'failed' | 'pending', number>

/**
 * Events per second from an SDK's `POST /v1/batch` until the server's own collector has recorded every
 * Convertro call they make, against the same events run straight through `routeEvent` (the presets, the
 * settings the server uses, a fresh `Destination` per subscription) at the server's ingest concurrency, to
 * the same collector. The gap is what accepting costs: the HTTP hop, checking the events, the journal's
 * fdatasync'd lines, and the queue.
 */
export async function ingest(cfg: Config): Promise<Row[]> {
  const events = trafficOf(cfg.ingestEvents)
  // Built once: each round has a server of its own, to which every message id is new.
  const bodies = Array.from({ length: Math.ceil(events.length / BATCH_SIZE) }, (_, index) =>
    JSON.stringify({ batch: events.slice(index * BATCH_SIZE, (index + 1) * BATCH_SIZE) })
  )
  // The definition the server routes with (the same module, loaded the same way) and its presets.
  const { definition } = await loadServerDestination()
  const subscriptions = presetSubscriptions(definition)
  const agent = new http.Agent({ keepAlive: true })
  let server: RunningServer | undefined
  let dir: string | undefined
  let settings: JSONObject = {}
  let directCalls = 0
  let journalBytes = 0
  const syncs: number[] = []

  /** A server of its own per round (journal and collector records in a fresh temp dir), so rounds are alike. */
  const open = async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-bench-ingest-'))
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      records: path.join(dir, 'collector.jsonl'),
      journal: path.join(dir, 'ingest.jsonl'),
      watch: false,
      log: () => {},
      retry: DEFAULT_RETRY
    })
    // The settings the server routes ingested events with (the samples: its own collector, as convertro.test),
    // with the collector named by its port, as this process reaches it.
    settings = { ...SAMPLE_SETTINGS, domain: `${COLLECTOR_HOST}:${new URL(server.url).port}` }
  }
  const close = async () => {
    await server?.close()
    server = undefined
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
    dir = undefined
  }
  const url = (route: string) => new URL(route, (server as RunningServer).url).toString()

  const tasks = {
    ingest: async () => {
      await pool(bodies, BATCHES_IN_FLIGHT, async (body) => {
        const { status, text } = await request(agent, url('/v1/batch'), body)
        if (status !== 200) throw new Error(`POST /v1/batch: ${status} ${text}`)
      })
      for (const deadline = Date.now() + 60_000; ; ) {
        const { counts } = await getJson<{ counts: Counts }>(agent, url('/ingest/events?limit=1'))
        if (counts.failed > 0 || counts.skipped > 0) throw new Error(`ingest: ${JSON.stringify(counts)}`)
        if (counts.sent === events.length) break
        if (Date.now() > deadline) throw new Error(`ingest: not done after 60 s: ${JSON.stringify(counts)}`)
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      }
    },
    direct: async () => {
      let calls = 0
      await pool(events, INGEST_CONCURRENCY, async (event) => {
        const outcomes = await routeEvent(definition, event, settings, subscriptions)
        const failed = outcomes.find((outcome) => outcome.error)
        if (failed) throw new Error(`direct: ${JSON.stringify(failed.error)}`)
        calls += outcomes.reduce((sum, outcome) => sum + outcome.exchanges.length, 0)
      })
      directCalls = calls
    }
  }

  try {
    // Warm both paths (JIT, modules, the server's routes) on a server of their own before timing either.
    await open()
    await tasks.ingest()
    await tasks.direct()
    await close()

    const latency = await compare(tasks, {
      rounds: cfg.ingestRounds,
      time: 0,
      iterations: 1,
      warmup: false,
      beforeRound: open,
      afterRound: async () => {
        // Both sides sent to this round's collector: the ingested events must have made the same calls.
        const recorded = (await getJson<unknown[]>(agent, url('/collector/requests'))).length
        if (recorded !== 2 * directCalls) {
          throw new Error(`ingest: the collector recorded ${recorded} calls, not ${directCalls} from each side`)
        }
        journalBytes = fs.statSync(path.join(dir as string, 'ingest.jsonl')).size
        syncs.push(...(await syncTimes(dir as string)))
        await close()
      }
    })
    const perSecond = (ms: number) => (events.length / ms) * 1000
    return [
      figure(
        'ingest',
        'POST /v1/batch / routeEvent throughput',
        ratios(latency.direct, latency.ingest),
        '×',
        `${fmt(perSecond(median(latency.ingest)))} vs ${fmt(perSecond(median(latency.direct)))} events/s; ${
          events.length
        } events (${directCalls} calls) a round, batches of ${BATCH_SIZE}, ${BATCHES_IN_FLIGHT} in flight; journal ${fmt(
          journalBytes / 1024 ** 2
        )} MB a round; fdatasync ${fmt(median(syncs))} ms`,
        { label: `≥ ${TARGET}×`, met: (ratio) => ratio >= TARGET }
      )
    ]
  } finally {
    await close()
    agent.destroy()
  }
}
