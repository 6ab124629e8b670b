import { Destination } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import type { Config } from '../lib/config'
import { routeHttpsTo, startCollector } from '../lib/answer'
import { ACTIONS, EVENTS, SETTINGS, convertroSettings, definition, floorDefinition, runEvent } from '../lib/fixtures'
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

/**
 * Each action's event through `Destination.onEvent` (subscription match, mapping, schema validation, the
 * request client) to a local Convertro collector, against the floor: the same fields and the same path,
 * sending the very calls ours sends for the event. The difference is what building them costs per event.
 */
export async function perEvent(cfg: Config): Promise<Row[]> {
  const origin = `https://${SETTINGS.domain}`
  const collector = await startCollector({ tls: true })
  const unroute = routeHttpsTo(collector)
  const ours = new Destination(definition)
  const rows: Row[] = []
  try {
    for (const { name, event, settings } of cases()) {
      // The floor sends exactly the calls ours sends for this event, so only building them differs.
      const before = collector.requests()
      await runEvent(ours, event, settings)
      const calls = collector.requests() - before
      const floor = new Destination(floorDefinition(collector.lastPaths(calls).map((path) => `${origin}${path}`)))
      const latency = await compare(
        {
          ours: () => runEvent(ours, event, settings),
          floor: () => runEvent(floor, event, settings)
        },
        cfg
      )
      const oursUs = median(latency.ours) * 1000
      const floorUs = median(latency.floor) * 1000
      const each = calls > 1 ? ` (${calls} calls each)` : ''
      rows.push(
        figure(
          'per-event',
          `${name}${calls > 1 ? `, ${calls} calls` : ''} / floor`,
          ratios(latency.ours, latency.floor),
          '×',
          `${fmt(oursUs)} µs vs ${fmt(floorUs)} µs per event${each} (${oursUs >= floorUs ? '+' : '−'}${fmt(
            Math.abs(oursUs - floorUs)
          )} µs)`,
          { label: `≤ ${TARGET}×`, met: (ratio) => ratio <= TARGET }
        )
      )
    }
  } finally {
    unroute()
    await collector.close()
  }
  return rows
}
