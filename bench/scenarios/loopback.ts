import http from 'node:http'
import { Destination } from '@segment/actions-core'
import type { Config } from '../lib/config'
import { startCollector } from '../lib/answer'
import { EVENTS, SETTINGS, convertroSettings, definition, floorDefinition, runEvent } from '../lib/fixtures'
import { compare, figure, fmt, median, ratios } from '../lib/stats'
import type { Row } from '../lib/stats'

/** The floor's share of the bare loop here is about 0.25×; the 1.2× per-event budget over it gives 0.2×. */
const TARGET = 0.2

function get(url: string) {
  return new Promise<void>((resolve, reject) => {
    http
      .get(url, (response) => {
        response.resume()
        response.on('end', resolve)
      })
      .on('error', reject)
  })
}

/**
 * Real HTTP over loopback: the destination sending trackEvent calls to a local collector one event at a
 * time, against a bare `http.get` loop sending the same URL to the same collector, the most this machine
 * can do one request at a time.
 */
export async function loopback(cfg: Config): Promise<Row[]> {
  const collector = await startCollector()
  try {
    const settings = convertroSettings('trackEvent', { ...SETTINGS, domain: collector.origin })
    const ours = new Destination(definition)
    const event = EVENTS.trackEvent
    // The floor and the bare loop send exactly the call ours sends for this event.
    await runEvent(ours, event, settings)
    const url = `${collector.origin}${collector.lastPath()}`
    const floor = new Destination(floorDefinition(url))
    const n = cfg.loopbackRequests
    const loop = (send: () => Promise<unknown>) => async () => {
      for (let i = 0; i < n; i++) await send()
    }
    const latency = await compare(
      {
        ours: loop(() => runEvent(ours, event, settings)),
        floor: loop(() => runEvent(floor, event, settings)),
        bare: loop(() => get(url))
      },
      { rounds: Math.min(cfg.rounds, 9), time: 0, iterations: 1, warmup: true }
    )
    const perSecond = (ms: number) => (n / ms) * 1000
    const [oursRate, floorRate, bareRate] = [latency.ours, latency.floor, latency.bare].map((l) => perSecond(median(l)))
    return [
      figure(
        'loopback',
        'ours / bare http.get throughput',
        ratios(latency.bare, latency.ours),
        '×',
        `${fmt(oursRate)} vs ${fmt(bareRate)} events/s (floor ${fmt(
          floorRate
        )}); connections opened: ${collector.connections()}`,
        { label: `≥ ${TARGET}×`, met: (ratio) => ratio >= TARGET }
      ),
      figure(
        'loopback',
        'ours / floor throughput',
        ratios(latency.floor, latency.ours),
        '×',
        `${fmt(oursRate)} vs ${fmt(floorRate)} events/s`,
        { label: `≥ ${fmt(1 / 1.2)}×`, met: (ratio) => ratio >= 1 / 1.2 }
      )
    ]
  } finally {
    await collector.close()
  }
}
