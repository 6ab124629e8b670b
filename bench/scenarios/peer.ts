import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { Destination, defaultValues } from '@segment/actions-core'
import type { DestinationDefinition, JSONObject } from '@segment/actions-core'
import type { Config } from '../lib/config'
import { routeHttpsTo, startCollector } from '../lib/answer'
import { EVENTS, convertroSettings, definition, onEventSettings, runEvent } from '../lib/fixtures'
import { compare, figure, fmt, median, ratios } from '../lib/stats'
import type { Row } from '../lib/stats'

const PEERS = path.join(__dirname, '..', 'peers')
/** Podscribe: like Convertro, one GET with the event in the query string per track event. */
const PODSCRIBE = path.join(PEERS, 'node_modules/@segment/action-destinations/dist/destinations/podscribe')

/** Installs the peers from their own lockfile the first time, so the product's install never carries them. */
export function ensurePeers(): void {
  if (fs.existsSync(PODSCRIBE)) return
  console.error('installing bench/peers (npm ci --prefix bench/peers)…')
  execFileSync('npm', ['ci', '--prefix', PEERS, '--no-audit', '--no-fund', '--ignore-scripts'], { stdio: 'inherit' })
}

function loadPodscribe(): DestinationDefinition<JSONObject> {
  // Loaded from its own install at run time: the product's type-check and install never see it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(PODSCRIBE) as { default: DestinationDefinition<JSONObject> }
  // Its name, "Podscribe (Actions)", becomes a schema id that fast-uri 3.1.9 rejects on every event (see
  // PITFALLS); the name is only that id, so renaming it changes nothing a Podscribe event does.
  return { ...loaded.default, name: 'Podscribe' }
}

/**
 * Our trackEvent against Podscribe's track, each through the same harness: `Destination.onEvent` from the
 * same actions-core, the same event, the same https loopback collector.
 */
export async function peer(cfg: Config): Promise<Row[]> {
  const podscribe = loadPodscribe()
  const track = podscribe.actions.track
  const peerSettings = onEventSettings({ advertiser: 'acme' }, 'track', 'type = "track" and event = "Signed Up"', {
    ...defaultValues(track.fields),
    podscribeEvent: 'signup'
  })
  const collector = await startCollector({ tls: true })
  const unroute = routeHttpsTo(collector)
  try {
    const ours = new Destination(definition)
    const theirs = new Destination(podscribe)
    const event = EVENTS.trackEvent
    const settings = convertroSettings('trackEvent')
    const latency = await compare(
      { ours: () => runEvent(ours, event, settings), peer: () => runEvent(theirs, event, peerSettings) },
      cfg
    )
    const oursUs = median(latency.ours) * 1000
    const peerUs = median(latency.peer) * 1000
    return [
      figure(
        'peer',
        'trackEvent / podscribe track',
        ratios(latency.ours, latency.peer),
        '×',
        `${fmt(oursUs)} µs vs ${fmt(peerUs)} µs per event (@segment/action-destinations 3.387.0)`,
        { label: '≤ 1×', met: (ratio) => ratio <= 1 }
      )
    ]
  } finally {
    unroute()
    await collector.close()
  }
}
