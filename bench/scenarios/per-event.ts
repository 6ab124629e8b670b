import { Destination } from '@segment/actions-core'
import type { Config } from '../lib/config'
import { routeHttpsTo, startCollector } from '../lib/answer'
import { ACTIONS, EVENTS, SETTINGS, convertroSettings, definition, floorDefinition, runEvent } from '../lib/fixtures'
import { compare, figure, fmt, median, ratios } from '../lib/stats'
import type { Row } from '../lib/stats'

const TARGET = 1.2

/**
 * Each action's event through `Destination.onEvent` (subscription match, mapping, schema validation, the
 * request client) to a nock-answered Convertro call, against the floor: the same fields and the same
 * path, sending the very call ours sends for the event. The difference is what building it costs per event.
 */
export async function perEvent(cfg: Config): Promise<Row[]> {
  const origin = `https://${SETTINGS.domain}`
  const collector = await startCollector({ tls: true })
  const unroute = routeHttpsTo(collector)
  const ours = new Destination(definition)
  const rows: Row[] = []
  try {
    for (const action of ACTIONS) {
      const event = EVENTS[action]
      const settings = convertroSettings(action)
      // The floor sends exactly the call ours sends for this event, so only building it differs.
      await runEvent(ours, event, settings)
      const floor = new Destination(floorDefinition(`${origin}${collector.lastPath()}`))
      const latency = await compare(
        {
          ours: () => runEvent(ours, event, settings),
          floor: () => runEvent(floor, event, settings)
        },
        cfg
      )
      const oursUs = median(latency.ours) * 1000
      const floorUs = median(latency.floor) * 1000
      rows.push(
        figure(
          'per-event',
          `${action} / floor`,
          ratios(latency.ours, latency.floor),
          '×',
          `${fmt(oursUs)} µs vs ${fmt(floorUs)} µs per event (${oursUs >= floorUs ? '+' : '−'}${fmt(
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
