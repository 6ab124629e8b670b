import { isDeepStrictEqual } from 'util'
import { Destination } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import type { Config } from '../lib/config'
import { routeHttpsTo, startCollector } from '../lib/answer'
import {
  ACTIONS,
  EVENTS,
  SETTINGS,
  convertroSettings,
  definition,
  encodingFloorDefinition,
  floorDefinition,
  runEvent
} from '../lib/fixtures'
import type { EventRunner } from '../lib/fixtures'
import { compare, figure, fmt, median, ratios } from '../lib/stats'
import type { Row } from '../lib/stats'

/** Every action may cost at most this much more than the floor, and orderCompleted no more per call it makes. */
const TARGET = 1.05

interface Case {
  name: string
  event: SegmentEvent
  settings: JSONObject
}

/** Each action's preset on its event; and an order under the hybrid attribution model, which makes two calls. */
function cases(): Case[] {
  return [
    ...ACTIONS.map((action) => ({ name: action, event: EVENTS[action], settings: convertroSettings(action) })),
    {
      name: 'orderCompleted, hybrid',
      event: EVENTS.orderCompleted,
      settings: convertroSettings('orderCompleted', { ...SETTINGS, hybridAttributionModel: true })
    }
  ]
}

const difference = (a: number, b: number) => `${a >= b ? '+' : '−'}${fmt(Math.abs(a - b))} µs`

/**
 * Each action's event through `Destination.onEvent` (subscription match, mapping, schema validation, the
 * request client) to a local Convertro collector, against the floor: the same fields and the same path,
 * sending the very calls ours sends for the event. The difference is what building them costs per event. A second
 * floor also encodes each query with URLSearchParams, as the contract asks: it splits that cost into the
 * encoding's and the rest of the destination's.
 */
export async function perEvent(cfg: Config): Promise<Row[]> {
  const origin = `https://${SETTINGS.domain}`
  const collector = await startCollector({ tls: true })
  const unroute = routeHttpsTo(collector)
  const ours = new Destination(definition)
  const rows: Row[] = []
  try {
    for (const { name, event, settings } of cases()) {
      // The floors send exactly the calls ours sends for this event, so only building them differs.
      const sent = async (destination: EventRunner) => {
        const before = collector.requests()
        await runEvent(destination, event, settings)
        return collector.lastPaths(collector.requests() - before).map((path) => `${origin}${path}`)
      }
      const urls = await sent(ours)
      const calls = urls.length
      const floor = new Destination(floorDefinition(urls))
      const encoding = new Destination(encodingFloorDefinition(urls))
      // Re-encoded, the query must come out as ours sent it, or the encoding floor would time other work.
      const reEncoded = await sent(encoding)
      if (!isDeepStrictEqual(reEncoded, urls)) throw new Error(`The encoding floor sent ${reEncoded.join(', ')}`)
      const latency = await compare(
        {
          ours: () => runEvent(ours, event, settings),
          floor: () => runEvent(floor, event, settings),
          encoding: () => runEvent(encoding, event, settings)
        },
        cfg
      )
      const [oursUs, floorUs, encodingUs] = [latency.ours, latency.floor, latency.encoding].map((l) => median(l) * 1000)
      const each = calls > 1 ? ` (${calls} calls each)` : ''
      const label = `${name}${calls > 1 ? `, ${calls} calls` : ''}`
      rows.push(
        figure(
          'per-event',
          `${label} / floor`,
          ratios(latency.ours, latency.floor),
          '×',
          `${fmt(oursUs)} µs vs ${fmt(floorUs)} µs per event${each} (${difference(oursUs, floorUs)})`,
          { label: `≤ ${TARGET}×`, met: (ratio) => ratio <= TARGET }
        ),
        figure(
          'per-event',
          `${label} / floor + encoding`,
          ratios(latency.ours, latency.encoding),
          '×',
          `${fmt(oursUs)} µs vs ${fmt(encodingUs)} µs (${difference(oursUs, encodingUs)}); the encoding alone: ${fmt(
            median(ratios(latency.encoding, latency.floor))
          )}× the floor (${difference(encodingUs, floorUs)})`
        )
      )
    }
  } finally {
    unroute()
    await collector.close()
  }
  return rows
}
