import { Destination } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import type { Config } from '../lib/config'
import { routeHttpsTo, startCollector } from '../lib/answer'
import { EVENTS, convertroSettings, definition, runEvent } from '../lib/fixtures'
import type { EventRunner } from '../lib/fixtures'
import { compare, figure, fmt, median, ratios } from '../lib/stats'
import type { Row } from '../lib/stats'

/**
 * Stands in for the round trip to Convertro's collector: about a same-region round trip. Across regions it is
 * tens of ms, where the batch gains more, not less.
 */
export const BATCH_RTT_MS = 2
const TARGET = 3

async function runBatch(destination: EventRunner, events: SegmentEvent[], settings: JSONObject) {
  try {
    const [result] = await destination.onBatch(events, settings)
    const entries = (result as { multistatus?: { status: number }[] }).multistatus ?? []
    const failed = entries.filter((entry) => entry.status !== 200).length
    if (entries.length !== events.length || failed > 0) {
      throw new Error(`batch: ${entries.length} results for ${events.length} events, ${failed} failed`)
    }
  } finally {
    destination.responses.length = 0
  }
}

/**
 * N events through `onBatch` (one performBatch call) against the same N events through `onEvent` one at a
 * time, to a collector that answers after a round trip. Convertro takes one event per call, so the batch
 * sends as many calls: what it can save is waiting, by having a bounded number of calls in flight over
 * kept-alive connections.
 */
export async function batch(cfg: Config): Promise<Row[]> {
  const collector = await startCollector({ tls: true, delayMs: BATCH_RTT_MS })
  const unroute = routeHttpsTo(collector)
  try {
    const destination = new Destination(definition)
    const settings = convertroSettings('trackEvent')
    const events = Array.from({ length: cfg.batchEvents }, (_, index) => ({
      ...EVENTS.trackEvent,
      messageId: `msg-${index}`
    }))
    // Warm both paths (JIT, TLS sessions, pooled connections) before timing either.
    await runBatch(destination, events.slice(0, 50), settings)
    for (const event of events.slice(0, 50)) await runEvent(destination, event, settings)

    let batchConnections = 0
    const latency = await compare(
      {
        single: async () => {
          for (const event of events) await runEvent(destination, event, settings)
        },
        batch: async () => {
          const before = collector.connections()
          await runBatch(destination, events, settings)
          batchConnections = Math.max(batchConnections, collector.connections() - before)
        }
      },
      { rounds: Math.min(cfg.rounds, 7), time: 0, iterations: 1, warmup: false }
    )
    const perSecond = (ms: number) => (cfg.batchEvents / ms) * 1000
    return [
      figure(
        'batch',
        `${cfg.batchEvents} events: batch / single throughput`,
        ratios(latency.single, latency.batch),
        '×',
        `${fmt(perSecond(median(latency.batch)))} vs ${fmt(
          perSecond(median(latency.single))
        )} events/s at ${BATCH_RTT_MS} ms round trip; ${batchConnections} connections opened by a timed batch (kept alive)`,
        { label: `≥ ${TARGET}×`, met: (ratio) => ratio >= TARGET }
      )
    ]
  } finally {
    unroute()
    await collector.close()
  }
}
