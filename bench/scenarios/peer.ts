import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { Destination, defaultValues } from '@segment/actions-core'
import type { DestinationDefinition, JSONObject } from '@segment/actions-core'
import type { Config } from '../lib/config'
import { routeHttpsTo, startCollector } from '../lib/answer'
import { ACTIONS, EVENTS, convertroSettings, definition, onEventSettings, runEvent } from '../lib/fixtures'
import { compare, figure, fmt, median, ratios } from '../lib/stats'
import type { Row } from '../lib/stats'

const PEERS = path.join(__dirname, '..', 'peers')
const DESTINATIONS = path.join(PEERS, 'node_modules/@segment/action-destinations/dist/destinations')
const VERSION = '@segment/action-destinations 3.387.0'

/** Installs the peers from their own lockfile the first time, so the product's install never carries them. */
export function ensurePeers(): void {
  if (fs.existsSync(path.join(DESTINATIONS, 'podscribe'))) return
  console.error('installing bench/peers (npm ci --prefix bench/peers)…')
  execFileSync('npm', ['ci', '--prefix', PEERS, '--no-audit', '--no-fund', '--ignore-scripts'], { stdio: 'inherit' })
}

/**
 * A published destination, loaded from its own install at run time (the product's type-check and install never
 * see it). Its name becomes a schema id, which fast-uri 3.1.9 rejects on every event when it holds a space or
 * brackets ("Podscribe (Actions)"): the name is only that id, so a plain one changes nothing an
 * event does.
 */
function loadPeer(folder: string, name: string): DestinationDefinition<JSONObject> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(path.join(DESTINATIONS, folder)) as { default: DestinationDefinition<JSONObject> }
  return { ...loaded.default, name }
}

interface Peer {
  name: string
  definition: DestinationDefinition<JSONObject>
  settings: JSONObject
}

/**
 * The published destinations closest to Convertro's work, each making one call per track event: Podscribe
 * (`track`, a GET with the event in the query string), StackAdapt (`forwardEvent`, a GET pixel with the event in
 * the query string) and Webhook (`send`, the event as a JSON POST), each with its preset's mapping. Each is
 * subscribed with our trackEvent preset's trigger: the trigger is the customer's, parsed by actions-core for every
 * event, so with the same one the comparison is of what each destination does with the event.
 */
function peers(): Peer[] {
  const track = (convertroSettings('trackEvent').subscription as { subscribe: string }).subscribe
  const podscribe = loadPeer('podscribe', 'Podscribe')
  const stackadapt = loadPeer('stackadapt', 'StackAdapt')
  const webhook = loadPeer('webhook', 'Webhook')
  return [
    {
      name: 'podscribe track',
      definition: podscribe,
      settings: onEventSettings({ advertiser: 'acme' }, 'track', track, {
        ...defaultValues(podscribe.actions.track.fields),
        podscribeEvent: 'signup'
      })
    },
    {
      name: 'stackadapt forwardEvent',
      definition: stackadapt,
      settings: onEventSettings(
        { pixelId: 'acme-pixel' },
        'forwardEvent',
        track,
        defaultValues(stackadapt.actions.forwardEvent.fields)
      )
    },
    {
      name: 'webhook send',
      definition: webhook,
      settings: onEventSettings({}, 'send', track, {
        ...defaultValues(webhook.actions.send.fields),
        url: 'https://hooks.example.com/segment'
      })
    }
  ]
}

/**
 * Each of our actions against each peer, all through the same harness in the same rounds: `Destination.onEvent`
 * from the same actions-core, the same https loopback collector; ours on each action's event, the peers on the
 * track event. The fastest peer is the one with the lowest median latency in this run.
 */
export async function peer(cfg: Config): Promise<Row[]> {
  const others = peers()
  const collector = await startCollector({ tls: true })
  const unroute = routeHttpsTo(collector)
  try {
    const ours = new Destination(definition)
    const tasks: Record<string, () => Promise<unknown>> = {}
    for (const action of ACTIONS) {
      const settings = convertroSettings(action)
      tasks[action] = () => runEvent(ours, EVENTS[action], settings)
    }
    for (const { name, definition: theirs, settings } of others) {
      const destination = new Destination(theirs)
      tasks[name] = () => runEvent(destination, EVENTS.trackEvent, settings)
    }
    const latency = await compare(tasks, cfg)
    const us = (name: string) => median(latency[name]) * 1000
    const rows = others.map(({ name }) =>
      figure(
        'peer',
        `trackEvent / ${name}`,
        ratios(latency.trackEvent, latency[name]),
        '×',
        `${fmt(us('trackEvent'))} µs vs ${fmt(us(name))} µs per event (${VERSION})`,
        // Podscribe's target is the first the bench had; the fastest peer's row below judges the others.
        name === 'podscribe track' ? { label: '≤ 1×', met: (ratio) => ratio <= 1 } : undefined
      )
    )
    const fastest = others.map(({ name }) => name).sort((a, b) => us(a) - us(b))[0]
    for (const action of ACTIONS) {
      rows.push(
        figure(
          'peer',
          `${action} / fastest peer`,
          ratios(latency[action], latency[fastest]),
          '×',
          `${fmt(us(action))} µs vs ${fmt(us(fastest))} µs per event (${fastest})`,
          action === 'trackEvent' ? { label: '≤ 1×', met: (ratio) => ratio <= 1 } : undefined
        )
      )
    }
    return rows
  } finally {
    unroute()
    await collector.close()
  }
}
