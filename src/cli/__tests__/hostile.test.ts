import { ingestView, serve } from './helpers'
import type { Served } from './helpers'

// One server takes the whole table, then must still answer.
jest.setTimeout(120_000)

const DEVICE = { device: { id: 'device-1' } }
const AT = '2026-11-25T10:00:00.000Z'
const track = (properties: unknown) =>
  `{"type":"track","event":"E","userId":"u","timestamp":"${AT}","context":${JSON.stringify(
    DEVICE
  )},"properties":${properties}}`
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype']

/** Hostile values, each written as JSON text so nothing on this side can tidy them up first. */
const VALUES: [string, string][] = [
  ['objects nested 101 levels', nestedObjects(101)],
  ['objects nested 5,000 levels', nestedObjects(5000)],
  ['arrays nested 100,000 levels', nestedArrays(100_000)],
  [
    '__proto__, constructor and toString as keys',
    `{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"toString":1,"valueOf":"x"}`
  ],
  ['huge numbers', '{"total":1e400,"revenue":-1e400,"tiny":1e-400,"long":123456789012345678901234567890123}'],
  ['lone surrogates', '{"order_id":"\\ud800","total":"\\udc00x"}'],
  ['a 1 MB string', `{"blob":"${'x'.repeat(1024 * 1024)}"}`]
]

/** Bodies for the event routes: the event itself, and the hostile value as the whole body. */
const EVENT_BODIES: [string, string][] = VALUES.flatMap(([name, value]): [string, string][] => [
  [`properties: ${name}`, track(value)],
  [`body: ${name}`, value]
])

/** Bodies for the action routes: the value in each part of `{ payload, settings, mapping }`. */
const ACTION_BODIES: [string, string][] = VALUES.flatMap(([name, value]): [string, string][] => [
  [`payload.properties: ${name}`, `{"payload":${track(value)}}`],
  [`settings: ${name}`, `{"payload":${track('{}')},"settings":${value}}`],
  [`mapping: ${name}`, `{"payload":${track('{}')},"mapping":${value}}`],
  [`body: ${name}`, value]
])

interface Answer {
  route: string
  body: string
  status: number
  text: string
}

let server: Served

beforeAll(async () => {
  server = await serve(['--no-watch'])
})
afterAll(async () => {
  await server.stop()
})

async function send(method: string, route: string, name: string, body?: string): Promise<Answer> {
  const response = await fetch(server.url + route.slice(1), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body
  })
  return { route: `${method} ${route}`, body: name, status: response.status, text: await response.text() }
}

/** The table: every route family, every hostile body, every hostile name in every place a route takes one. */
function requests(): [string, string, string, string | undefined][] {
  const table: [string, string, string, string | undefined][] = []
  for (const route of ['/v1/track', '/v1/batch', '/v1/identify', '/v1/t', '/v1/b']) {
    for (const [name, body] of EVENT_BODIES) table.push(['POST', route, name, body])
  }
  for (const route of ['/trackEvent', '/orderCompleted', '/identifyUser', '/appInstalled', '/authenticate']) {
    for (const [name, body] of ACTION_BODIES) table.push(['POST', route, name, body])
  }
  for (const name of NAMES) {
    table.push(['POST', `/v1/${name}`, 'a track', track('{}')])
    table.push(['POST', `/${name}`, 'an action call', `{"payload":${track('{}')}}`])
    table.push(['GET', `/api/${name}/acme/1/?sid=s`, 'a collector call', undefined])
    table.push(['GET', `/api/hit/${name}/${name}/?sid=s&${name}=1`, 'a collector call', undefined])
    table.push(['GET', `/ingest/events?limit=${name}&${name}=1`, 'the Events view', undefined])
    table.push(['GET', `/${name}`, 'a page', undefined])
  }
  return table
}

describe('serve under hostile input', () => {
  it('answers every route and body of the table without a 5xx, then still answers', async () => {
    const table = requests()
    const answers: Answer[] = []
    for (const [method, route, name, body] of table) answers.push(await send(method, route, name, body))
    expect(answers).toHaveLength(table.length)
    process.stdout.write(
      `hostile table: ${answers.length} requests, ${answers.filter((a) => a.status >= 500).length} 5xx\n`
    )
    expect(answers.filter((answer) => answer.status >= 500)).toEqual([])

    // Too deep for the JSON intake, wherever it is: 400, with the limit named.
    const deep = answers.filter((answer) => /nested (5,000|100,000|101) levels/.test(answer.body))
    expect(deep.length).toBe(5 * 6 + 5 * 12)
    for (const answer of deep) {
      expect({ ...answer, text: undefined }).toEqual({ ...answer, status: 400, text: undefined })
      expect(answer.text).toContain('nested deeper than 100 levels, the limit for JSON input')
    }
    // Names every object inherits are unknown routes like any other.
    const named = answers.filter((answer) => NAMES.some((name) => answer.route.startsWith(`POST /v1/${name}`)))
    expect(named.map((answer) => answer.status)).toEqual(NAMES.map(() => 404))
    const actions = answers.filter((answer) => NAMES.some((name) => answer.route === `POST /${name}`))
    expect(actions.map((answer) => [answer.status, JSON.parse(answer.text).error.split('.')[0]])).toEqual(
      NAMES.map((name) => [404, `Unknown action "${name}"`])
    )
    const collector = answers.filter((answer) => NAMES.some((name) => answer.route.startsWith(`GET /api/${name}/`)))
    expect(collector.map((answer) => answer.status)).toEqual(NAMES.map(() => 404))

    // Still answering: an event is taken and every accepted one is finished, none stuck.
    const good = await send('POST', '/v1/track', 'a good track', track('{"total":5}'))
    expect(good.status).toBe(200)
    const deadline = Date.now() + 30_000
    let view = await ingestView(server.url)
    while (view.counts.pending > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      view = await ingestView(server.url)
    }
    expect(view.counts.pending).toBe(0)
    expect((await send('GET', '/manifest', 'the manifest')).status).toBe(200)
    expect(server.output()).not.toMatch(/Maximum call stack|RangeError|TypeError/)
  })
})
