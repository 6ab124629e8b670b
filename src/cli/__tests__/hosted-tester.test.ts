import fs from 'fs'
import net from 'net'
import path from 'path'
import { request } from 'http'
import type { AddressInfo } from 'net'
import WebSocket from 'ws'
import { BROWSER_DESTINATION_DIR, loadDefinition, loadServerDestination } from '../destinations'
import { SAMPLE_EVENTS, SAMPLE_SETTINGS } from '../lib/samples'
import { cli, copyProject, http, serve, stubConvertro } from './helpers'
import type { Served } from './helpers'

// Each server is its own process, started from TypeScript sources.
jest.setTimeout(60_000)

/**
 * What Segment's serve answers, key for key, read from segmentio/action-destinations at 970a17ee8d:
 * packages/cli/src/lib/server.ts (`marshalError`, the /authenticate and /<action> handlers) and
 * packages/cli/src/lib/summarize-http.ts (`getExchanges`, `summarizeRequest`, `summarizeResponse`).
 */
const SEGMENT_KEYS = {
  authenticated: ['ok'],
  notAuthenticated: ['ok', 'error', 'fields'],
  exchange: ['request', 'response'],
  request: ['url', 'method', 'headers', 'body'],
  response: ['statusCode', 'statusMessage', 'headers', 'body'],
  // marshalError: `fields` only for an AggregateAjvError (undefined, so absent from the JSON, otherwise).
  validationError: ['statusCode', 'message', 'stack', 'fields', 'requestError'],
  requestError: ['statusCode', 'message', 'stack', 'requestError']
}

/** What this server adds, and nothing else: the error in plain words, its type, and the requests before it. */
const OUR_KEYS = {
  notAuthenticated: ['summary'],
  error: ['name', 'code', 'retryable', 'summary', 'exchanges', 'fate']
}

const ORIGINS = [
  'https://app.segment.com',
  'https://eu1.app.segment.com',
  'https://app.segment.build',
  'https://eu1.app.segment.build',
  'http://localhost:8000'
]

const sorted = (keys: string[]) => [...keys].sort()
const keysOf = (value: unknown) => sorted(Object.keys(value as object))

interface Raw {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One request with exactly these headers (fetch would add its own), answered as received. */
function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => (text += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const corsHeaders = (headers: Raw['headers']) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('access-control-')))

/** A port nothing listens on now, for a server given it through PORT. */
async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** An action call as the hosted tester makes it: every key Segment's action route reads. */
function testerCall(payload: unknown, settings: object, mapping: object = {}) {
  return { payload, settings, mapping, auth: {}, features: {}, subscriptionMetadata: {} }
}

describe("serve, called by Segment's hosted Actions Tester", () => {
  let server: Served
  let port: number
  const post = (route: string, body: unknown, origin?: string) =>
    raw(
      server.url + route,
      'POST',
      { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
      JSON.stringify(body)
    )

  beforeAll(async () => {
    port = await freePort()
    server = await serve(['-d', 'convertro', '-n', '--no-watch'], undefined, { PORT: String(port) })
  })

  afterAll(() => server.stop())

  it('takes Segment’s flags and PORT, and says what it serves', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${port}/`)
    await server.waitFor(/^Segment Tracking API: .*\n/m)
    // The local tester first: it needs no login.
    expect(server.output()).toMatch(
      /^Convertro actions server: (\S+) \(bound to \S+\)\nTester: open \1 in a browser to try every action, in cloud and device mode \(no login\)\n/m
    )
    expect(server.output()).toContain(
      "Segment's routes (/manifest, /authenticate, /<action>) serve src/destinations/convertro\n"
    )
    // -n: no hosted tester hint, no live-reload websocket.
    expect(server.output()).not.toMatch(/actions-tester|live reload/)
  })

  it.each(ORIGINS)('answers a preflight from %s as Segment’s serve does', async (origin) => {
    const answer = await raw(server.url + 'trackEvent', 'OPTIONS', {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type'
    })
    expect(answer.status).toBe(204)
    expect(answer.body).toBe('')
    expect(corsHeaders(answer.headers)).toEqual({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET,HEAD,PUT,PATCH,POST,DELETE',
      'access-control-allow-headers': 'content-type'
    })
    expect(answer.headers.vary).toBe('Origin, Access-Control-Request-Headers')
  })

  it.each(['https://evil.example', 'https://app.segment.com.evil.example', 'null'])(
    'gives a preflight from %s no CORS header',
    async (origin) => {
      for (const route of ['trackEvent', 'manifest', 'authenticate']) {
        const answer = await raw(server.url + route, 'OPTIONS', {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type'
        })
        expect(corsHeaders(answer.headers)).toEqual({})
      }
    }
  )

  it('answers an action call from an allowed origin with the CORS header and the same body', async () => {
    const body = testerCall(SAMPLE_EVENTS.trackEvent, SAMPLE_SETTINGS)
    const allowed = await post('trackEvent', body, 'https://app.segment.com')
    const plain = await post('trackEvent', body)
    const other = await post('trackEvent', body, 'https://evil.example')
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.segment.com')
    expect(corsHeaders(plain.headers)).toEqual({})
    expect(corsHeaders(other.headers)).toEqual({})
    // Convertro's answers carry their own Date header, the only part that differs from one call to the next.
    const undated = (answer: Raw) => answer.body.replace(/"date":"[^"]*"/g, '"date":"…"')
    expect([allowed.status, plain.status, other.status]).toEqual([200, 200, 200])
    expect(undated(allowed)).toBe(undated(plain))
    expect(JSON.parse(plain.body)).toHaveLength(1)
  })

  it('keeps its other protections for every origin: JSON-only POSTs and the loopback Host check', async () => {
    const text = await raw(
      server.url + 'trackEvent',
      'POST',
      { origin: 'https://app.segment.com', 'content-type': 'text/plain' },
      JSON.stringify(testerCall(SAMPLE_EVENTS.trackEvent, SAMPLE_SETTINGS))
    )
    expect(text.status).toBe(415)
    const rebound = await raw(server.url + 'manifest', 'GET', {
      origin: 'https://app.segment.com',
      host: `evil.example:${port}`
    })
    expect(rebound.status).toBe(403)
    expect(corsHeaders(rebound.headers)).toEqual({})
  })

  it('lets the tester read a malformed body’s 400', async () => {
    const answer = await raw(
      server.url + 'trackEvent',
      'POST',
      { origin: 'https://app.segment.com', 'content-type': 'application/json' },
      '{"payload": '
    )
    expect(answer.status).toBe(400)
    expect(answer.headers['access-control-allow-origin']).toBe('https://app.segment.com')
  })

  it('serves the manifest Segment’s serve would: the definition as JSON, with directoryName', async () => {
    const answer = await raw(server.url + 'manifest', 'GET', { origin: 'https://app.segment.com' })
    expect(answer.headers['access-control-allow-origin']).toBe('https://app.segment.com')
    const { definition } = await loadServerDestination()
    expect(JSON.parse(answer.body)).toEqual(JSON.parse(JSON.stringify({ ...definition, directoryName: 'convertro' })))
  })

  it('answers /authenticate with Segment’s keys, success and validation error', async () => {
    const settings = { ...SAMPLE_SETTINGS, domain: 'acme.sp1.convertro.com' }
    const ok = JSON.parse((await post('authenticate', settings, 'https://app.segment.com')).body) as object
    expect(ok).toEqual({ ok: true })
    expect(keysOf(ok)).toEqual(sorted(SEGMENT_KEYS.authenticated))

    const refused = JSON.parse((await post('authenticate', {}, 'https://app.segment.com')).body) as {
      fields: Record<string, string>
    }
    expect(keysOf(refused)).toEqual(sorted([...SEGMENT_KEYS.notAuthenticated, ...OUR_KEYS.notAuthenticated]))
    expect(refused).toMatchObject({
      ok: false,
      error: expect.stringContaining("missing the required field 'clientName'")
    })
    expect(refused.fields).toEqual({ $: "The root value is missing the required field 'domain'." })
  })

  it('answers a successful action call with Segment’s exchange keys', async () => {
    const answer = await post('identifyUser', testerCall(SAMPLE_EVENTS.identifyUser, SAMPLE_SETTINGS))
    const exchanges = JSON.parse(answer.body) as { request: object; response: object }[]
    expect(exchanges).toHaveLength(1)
    expect(keysOf(exchanges[0])).toEqual(sorted(SEGMENT_KEYS.exchange))
    expect(keysOf(exchanges[0].request)).toEqual(sorted(SEGMENT_KEYS.request))
    expect(keysOf(exchanges[0].response)).toEqual(sorted(SEGMENT_KEYS.response))
    expect(exchanges[0].response).toMatchObject({ statusCode: 200, statusMessage: 'OK' })
  })

  it('answers a payload validation error as Segment’s list of one error, with its fields', async () => {
    const mapping = { event_type: { not: 'a string' } }
    const answer = await post('trackEvent', testerCall(SAMPLE_EVENTS.trackEvent, SAMPLE_SETTINGS, mapping))
    expect(answer.status).toBe(200)
    const [error, ...rest] = JSON.parse(answer.body) as Record<string, unknown>[]
    expect(rest).toEqual([])
    expect(keysOf(error)).toEqual(sorted([...SEGMENT_KEYS.validationError, ...OUR_KEYS.error]))
    expect(error).toMatchObject({
      requestError: true,
      message: 'Convertro Event Type must be a string but it was an object.',
      fields: { event_type: 'Convertro Event Type must be a string but it was an object.' },
      stack: expect.arrayContaining([expect.stringMatching(/^AggregateAjvError: /)]),
      exchanges: []
    })
    expect(typeof error.statusCode).toBe('number')
  })

  it('answers a request error with its status as Segment’s list of one error', async () => {
    const convertro = await stubConvertro([503])
    try {
      const settings = { ...SAMPLE_SETTINGS, domain: convertro.domain }
      const answer = await post('identifyUser', testerCall(SAMPLE_EVENTS.identifyUser, settings))
      const [error, ...rest] = JSON.parse(answer.body) as Record<string, unknown>[]
      expect(rest).toEqual([])
      expect(keysOf(error)).toEqual(sorted([...SEGMENT_KEYS.requestError, ...OUR_KEYS.error]))
      expect(error).toMatchObject({ requestError: true, statusCode: 503, message: expect.stringContaining('503') })
      expect((error.stack as string[]).every((line) => typeof line === 'string')).toBe(true)
      expect((error.exchanges as { response: { statusCode: number } }[]).map((e) => e.response.statusCode)).toEqual([
        503
      ])
    } finally {
      await convertro.close()
    }
  })

  it.each([
    [
      'refreshAccessToken',
      400,
      { ok: false, error: 'refreshAccessToken is only valid with oauth2 authentication scheme' }
    ],
    [
      'delete',
      404,
      [
        {
          statusCode: 404,
          message: 'Convertro (Actions) has no onDelete: it deletes no user data at Convertro',
          requestError: true
        }
      ]
    ],
    [
      'createAudience',
      404,
      { ok: false, error: 'Convertro (Actions) is not an audience destination: it has no audienceConfig' }
    ],
    [
      'getAudience',
      404,
      { ok: false, error: 'Convertro (Actions) is not an audience destination: it has no audienceConfig' }
    ],
    [
      'trackEvent/event_type',
      404,
      [{ message: "No dynamic field named event_type found: trackEvent's fields are all static.", code: '404' }]
    ],
    [
      'trackEvent/hooks/onMappingSave',
      404,
      [{ message: 'No hook named onMappingSave found: trackEvent has no hooks.', code: '404' }]
    ]
  ])('answers /%s, which Convertro has no use for, in the shape Segment’s serve uses', async (route, status, body) => {
    const answer = await post(route, { settings: SAMPLE_SETTINGS }, 'https://app.segment.com')
    expect(answer.status).toBe(status)
    expect(JSON.parse(answer.body)).toEqual(body)
    expect(answer.headers['access-control-allow-origin']).toBe('https://app.segment.com')
  })

  it('answers a dynamic field of an unknown action as an unknown route', async () => {
    const answer = await http(server.url + 'trackEvents/event_type', { body: {} })
    expect(answer).toEqual({ status: 404, body: { error: 'No route POST /trackEvents/event_type' } })
  })
})

describe('serve -r: the browser destination on Segment’s routes', () => {
  let server: Served

  beforeAll(async () => {
    server = await serve(['-r', '-d', 'actions-convertro-web', '-n', '--no-watch'])
  })

  afterAll(() => server.stop())

  it('serves the device-mode definition as the manifest, found by its slug', async () => {
    await server.waitFor(/serve src\/browser-destinations\/convertro-web \(device mode\)\n/)
    const { body } = await http(server.url + 'manifest')
    const definition = await loadDefinition(BROWSER_DESTINATION_DIR)
    expect(body).toEqual(JSON.parse(JSON.stringify({ ...definition, directoryName: 'convertro-web' })))
    expect(body).toMatchObject({ mode: 'device', slug: 'actions-convertro-web' })
  })

  it('checks the browser settings on /authenticate', async () => {
    expect((await http(server.url + 'authenticate', { body: { account: 'acme' } })).body).toEqual({ ok: true })
    const refused = await http(server.url + 'authenticate', { body: {} })
    expect(refused.body).toMatchObject({
      ok: false,
      error: "The root value is missing the required field 'account'.",
      fields: { $: "The root value is missing the required field 'account'." }
    })
  })

  it('says a device-mode action runs in the page, in Segment’s error list', async () => {
    const { status, body } = await http(server.url + 'trackEvent', {
      body: testerCall(SAMPLE_EVENTS.trackEvent, { account: 'acme' })
    })
    expect(status).toBe(200)
    expect(body).toEqual([
      {
        statusCode: 501,
        message:
          "trackEvent is an action of convertro-web, a device-mode destination: it runs in the page through analytics.js, not on this server. Serve without -r to run the server destination's actions.",
        stack: [],
        requestError: true,
        name: 'IntegrationError',
        code: 'DEVICE_MODE_ACTION',
        retryable: false,
        summary:
          'trackEvent is an action of convertro-web, a device-mode destination: it runs in the page through analytics.js, not on this server.'
      }
    ])
  })
})

describe('serve -d and -b', () => {
  it.each([
    [['-d', 'nope'], 'Unknown destination "nope" in src/destinations. Destinations: convertro (actions-convertro).'],
    [
      ['-d', 'convertro-web'],
      'Unknown destination "convertro-web" in src/destinations. Destinations: convertro (actions-convertro). "convertro-web" is a browser destination: serve it with -r.'
    ],
    [
      ['-r', '-d', 'convertro'],
      'Unknown destination "convertro" in src/browser-destinations. Destinations: convertro-web (actions-convertro-web). "convertro" is a server destination: serve it without -r.'
    ],
    [['-b', 'examples'], 'examples holds no destination (a folder with an index.ts)'],
    [
      ['-b', 'src/destinations', '-d', 'nope'],
      'Unknown destination "nope" in src/destinations. Destinations: convertro (actions-convertro).'
    ],
    [['-b', 'no/such/dir'], /^Cannot read the destinations directory \S+no\/such\/dir: ENOENT/]
  ])('refuses serve %j, naming what there is', async (args, message) => {
    const { code, stdout, stderr } = await cli(['serve', '--port', '0', '--no-watch', ...args])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr.trimEnd()).toMatch(typeof message === 'string' ? new RegExp(`^${escape(message)}$`) : message)
  })

  it('shows Segment’s flags beside its own in --help', async () => {
    const { code, stdout } = await cli(['serve', '--help'])
    expect(code).toBe(0)
    for (const flag of [
      '-d, --destination <name>',
      '-b, --directory <dir>',
      '-n, --noUI',
      '-r, --browser',
      '-p, --port'
    ]) {
      expect(stdout).toContain(flag)
    }
    expect(stdout).toContain('https://app.segment.com/dev-center/actions-tester')
  })

  it('defaults -b to Segment’s folder when run from Segment’s monorepo layout', async () => {
    const dir = copyProject()
    try {
      // The destination as Segment's monorepo holds it, with what it imports beside it.
      const monorepo = path.join(dir, 'packages/destination-actions/src')
      fs.cpSync(path.join(dir, 'src/destinations/convertro'), path.join(monorepo, 'destinations/convertro'), {
        recursive: true
      })
      fs.cpSync(path.join(dir, 'src/shared'), path.join(monorepo, 'shared'), { recursive: true })
      const action = path.join(monorepo, 'destinations/convertro/identifyUser/index.ts')
      fs.writeFileSync(action, fs.readFileSync(action, 'utf8').replace("'Identify User'", "'Identify (monorepo)'"))
      const server = await serve(['-d', 'convertro', '-n', '--no-watch'], dir)
      try {
        await server.waitFor(/serve packages\/destination-actions\/src\/destinations\/convertro\n/)
        const manifest = (await http(server.url + 'manifest')).body as { actions: Record<string, { title: string }> }
        expect(manifest.actions.identifyUser.title).toBe('Identify (monorepo)')
      } finally {
        await server.stop()
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('tells the hosted tester over its websocket (port + 1) when the destination reloads', async () => {
    const dir = copyProject()
    const server = await serve(['-d', 'convertro'], dir)
    try {
      await server.waitFor(
        /Or visit https:\/\/app\.segment\.com\/dev-center\/actions-tester to preview your integration in Segment's hosted Actions Tester \(it needs a Segment login/
      )
      const [, url] = await server.waitFor(/Actions Tester live reload: (\S+)/)
      expect(url).toBe(`ws://127.0.0.1:${Number(new URL(server.url).port) + 1}`)
      const socket = new WebSocket(url)
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
      const message = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))))
      const action = path.join(dir, 'src/destinations/convertro/identifyUser/index.ts')
      fs.writeFileSync(action, fs.readFileSync(action, 'utf8').replace("'Identify User'", "'Identify Person'"))
      expect(await message).toBe('change')
      const manifest = (await http(server.url + 'manifest')).body as { actions: Record<string, { title: string }> }
      expect(manifest.actions.identifyUser.title).toBe('Identify Person')
      socket.close()
    } finally {
      await server.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
