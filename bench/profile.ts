import { Session } from 'node:inspector'
import type { Profiler } from 'node:inspector'
import path from 'node:path'
import { Destination } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import { routeHttpsTo, startCollector } from './lib/answer'
import { EVENTS, convertroSettings, definition, floorDefinition, runEvent } from './lib/fixtures'
import type { ActionKey, EventRunner } from './lib/fixtures'

// A CPU profile of the per-event path, each subject profiled on its own but all in the same process and the
// same rounds: `npm run bench:profile [-- --events N --rounds R --top K --interval µs]`. For each subject it
// prints the sampled time per event by function (self time), the time spent under the destination's own code
// and under actions-core's mapping, validation and request client (inclusive), and the destination's own
// frames, so two subjects can be compared frame by frame. It times nothing against a target: the bench does.

const ROOT = path.join(__dirname, '..')

interface Subject {
  name: string
  destination: EventRunner
  event: SegmentEvent
  settings: JSONObject
}

/** Frames whose inclusive time is reported: what the destination adds, and what every destination pays. */
const INCLUSIVE: Record<string, (frame: Profiler.ProfileNode['callFrame']) => boolean> = {
  'destination code (src/)': (frame) => frame.url.includes('/src/destinations/') || frame.url.includes('/src/shared/'),
  'mapping-kit transform': (frame) => frame.functionName === 'transform' && frame.url.includes('mapping-kit'),
  removeEmptyValues: (frame) => frame.functionName === 'removeEmptyValues',
  validateSchema: (frame) => frame.functionName === 'validateSchema',
  'subscription match (FQL)': (frame) => frame.url.includes('destination-subscriptions'),
  'request client (RequestClient)': (frame) => frame.url.includes('request-client.js'),
  'node-fetch': (frame) => frame.url.includes('node-fetch')
}

const OWN = 'destination code, without the request client'

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T)))
  )
}

const shortUrl = (url: string) =>
  url
    .replace(`file://${ROOT}/`, '')
    .replace(ROOT + '/', '')
    .replace(/^.*node_modules\//, '')

interface Totals {
  events: number
  /** µs of samples by `function url:line`. */
  self: Map<string, number>
  /** µs of samples by `function url:line`, for the samples under the destination's own code (OWN). */
  own: Map<string, number>
  /** µs of samples with a frame of each INCLUSIVE group on the stack. */
  inclusive: Map<string, number>
  total: number
}

/** Adds a profile's samples to the subject's totals: self time by frame, and inclusive time by group. */
function add(totals: Totals, profile: Profiler.Profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    const us = deltas[i + 1] ?? 0
    const node = byId.get(samples[i])
    if (!node) continue
    const frame = node.callFrame
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') continue
    totals.total += us
    const key = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`
    totals.self.set(key, (totals.self.get(key) ?? 0) + us)
    const seen = new Set<string>()
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const callFrame = (byId.get(id) as Profiler.ProfileNode).callFrame
      for (const [group, matches] of Object.entries(INCLUSIVE)) {
        if (!seen.has(group) && matches(callFrame)) seen.add(group)
      }
    }
    for (const group of seen) totals.inclusive.set(group, (totals.inclusive.get(group) ?? 0) + us)
    // The destination's own work: under its code, but not under the request client it calls.
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const callFrame = (byId.get(id) as Profiler.ProfileNode).callFrame
      if (INCLUSIVE['request client (RequestClient)'](callFrame)) break
      if (INCLUSIVE['destination code (src/)'](callFrame)) {
        totals.inclusive.set(OWN, (totals.inclusive.get(OWN) ?? 0) + us)
        totals.own.set(key, (totals.own.get(key) ?? 0) + us)
        break
      }
    }
  }
}

async function main() {
  const eventsPerRound = option('events', 2000)
  const rounds = option('rounds', 6)
  const top = option('top', 25)
  // Every sample costs the profiled code time: a longer interval and more events disturb it less.
  const interval = option('interval', 100)
  const collector = await startCollector({ tls: true })
  const unroute = routeHttpsTo(collector)
  const ours = new Destination(definition)
  const subjects: Subject[] = []
  for (const action of ['trackEvent', 'identifyUser', 'orderCompleted'] as ActionKey[]) {
    const settings = convertroSettings(action)
    await runEvent(ours, EVENTS[action], settings)
    subjects.push({ name: action, destination: ours, event: EVENTS[action], settings })
    // The floor of the bench's per-event scenario: the same fields, sending the URL ours sent, built in advance.
    const floor = new Destination(floorDefinition(`https://${String(settings.domain)}${collector.lastPath()}`))
    subjects.push({ name: `floor ${action}`, destination: floor, event: EVENTS[action], settings })
  }
  const totals = new Map<string, Totals>(
    subjects.map((subject) => [
      subject.name,
      { events: 0, self: new Map(), own: new Map(), inclusive: new Map(), total: 0 }
    ])
  )
  // Warm every subject (JIT, connections) before profiling any.
  for (const subject of subjects) {
    for (let i = 0; i < 500; i++) await runEvent(subject.destination, subject.event, subject.settings)
  }
  const session = new Session()
  session.connect()
  await post(session, 'Profiler.enable')
  await post(session, 'Profiler.setSamplingInterval', { interval })
  const wall = new Map<string, number>()
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...subjects].reverse() : subjects
    for (const subject of order) {
      await post(session, 'Profiler.start')
      const started = process.hrtime.bigint()
      for (let i = 0; i < eventsPerRound; i++) await runEvent(subject.destination, subject.event, subject.settings)
      const elapsed = Number(process.hrtime.bigint() - started) / 1000
      const { profile } = await post<{ profile: Profiler.Profile }>(session, 'Profiler.stop')
      const subjectTotals = totals.get(subject.name) as Totals
      subjectTotals.events += eventsPerRound
      add(subjectTotals, profile)
      wall.set(subject.name, (wall.get(subject.name) ?? 0) + elapsed)
    }
  }
  session.disconnect()
  unroute()
  await collector.close()

  const perEvent = (us: number, events: number) => (us / events).toFixed(2).padStart(7)
  console.log(`profile: ${rounds} rounds of ${eventsPerRound} events per subject, sampling every ${interval} µs\n`)
  for (const subject of subjects) {
    const t = totals.get(subject.name) as Totals
    console.log(
      `## ${subject.name}: ${perEvent(wall.get(subject.name) as number, t.events)} µs wall, ${perEvent(
        t.total,
        t.events
      )} µs sampled CPU per event`
    )
    for (const group of [OWN, ...Object.keys(INCLUSIVE)]) {
      console.log(`  incl ${perEvent(t.inclusive.get(group) ?? 0, t.events)} µs  ${group}`)
    }
    const frames = [...t.self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    for (const [key, us] of frames) console.log(`  self ${perEvent(us, t.events)} µs  ${key}`)
    const own = [...t.own.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    for (const [key, us] of own) console.log(`  own  ${perEvent(us, t.events)} µs  ${key}`)
    console.log('')
  }
  // Self time per frame, ours minus its floor: where each action's extra time goes.
  for (const action of ['trackEvent', 'identifyUser', 'orderCompleted']) {
    const a = totals.get(action) as Totals
    const b = totals.get(`floor ${action}`) as Totals
    const keys = new Set([...a.self.keys(), ...b.self.keys()])
    const diff = [...keys]
      .map((key) => [key, (a.self.get(key) ?? 0) / a.events - (b.self.get(key) ?? 0) / b.events] as const)
      .sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]))
      .slice(0, top)
    console.log(`## ${action} − floor ${action}, self µs per event (largest differences)`)
    for (const [key, us] of diff) console.log(`  ${(us >= 0 ? '+' : '') + us.toFixed(2)} µs  ${key}`)
    console.log('')
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
