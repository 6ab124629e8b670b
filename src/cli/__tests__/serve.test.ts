import fs from 'fs'
import path from 'path'
import { SAMPLE_EVENTS, SAMPLE_SETTINGS } from '../lib/samples'
import { request } from 'http'
import { copyProject, http, serve, stubConvertro, tempFile } from './helpers'
import type { Served } from './helpers'

// Each server is its own process, started from TypeScript sources.
jest.setTimeout(60_000)

interface Exchange {
  request: { url: string; method: string }
  response: { statusCode: number }
}
interface Recorded {
  id: number
  url: string
  kind: string
  client: string
  site: string
  query: Record<string, string>
  status: number
}

const DEVICE = '3f1b2c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d'
const CONTEXT = {
  sid: DEVICE,
  ts: '1709634030',
  cua: SAMPLE_EVENTS.identifyUser.context?.userAgent as string,
  cip: '203.0.113.7'
}

describe('serve', () => {
  let server: Served
  const records = tempFile('collector.jsonl')
  const call = (action: string, body: unknown) => http(server.url + action, { body })
  const recorded = async () => (await http(server.url + 'collector/requests')).body as Recorded[]

  beforeAll(async () => {
    server = await serve(['--records', records, '--no-watch'])
  })

  beforeEach(async () => {
    await http(server.url + 'collector/requests', { method: 'DELETE' })
  })

  afterAll(() => server.stop())

  it('binds to 127.0.0.1 and prints its URL', () => {
    const port = new URL(server.url).port
    expect(server.url).toBe(`http://127.0.0.1:${port}/`)
    expect(server.address).toBe(`127.0.0.1:${port}`)
  })

  /** The status of a request to the server addressed to `host` (its Host header). */
  const statusFor = (host: string, path: string) => {
    const { port } = new URL(server.url)
    return new Promise<number | undefined>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers: { host } })
      req.on('response', (res) => {
        res.resume()
        resolve(res.statusCode)
      })
      req.on('error', reject)
      req.end()
    })
  }

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    const { port } = new URL(server.url)
    expect(await statusFor(`evil.example:${port}`, '/collector/requests')).toBe(403)
    expect(await statusFor(`evil.example:${port}`, '/api/hit/acme/1/?sid=s')).toBe(403)
    expect(await recorded()).toEqual([])
  })

  it('takes only Convertro’s calls addressed to the collector’s host, convertro.test', async () => {
    expect(await statusFor('convertro.test', '/api/hit/acme/1/?sid=s&typ=x')).toBe(200)
    expect(await statusFor('convertro.test:443', '/api/user/acme/1/?sid=s&id=u')).toBe(200)
    expect(await statusFor('convertro.test', '/collector/requests')).toBe(403)
    expect(await statusFor('convertro.test', '/')).toBe(403)
    expect((await recorded()).map((entry) => entry.url)).toEqual([
      '/api/hit/acme/1/?sid=s&typ=x',
      '/api/user/acme/1/?sid=s&id=u'
    ])
  })

  it('serves the tester its samples: settings without a domain, an event and the defaults per action', async () => {
    const { body } = await http(server.url + 'samples')
    const samples = body as {
      settings: object
      events: Record<string, unknown>
      defaults: Record<string, object>
      collector: string
    }
    expect(samples.settings).toEqual(SAMPLE_SETTINGS)
    expect(samples.collector).toBe('convertro.test')
    expect(Object.keys(samples.events).sort()).toEqual(['appInstalled', 'identifyUser', 'orderCompleted', 'trackEvent'])
    expect(samples.defaults.identifyUser).toMatchObject({ user_id: { '@path': '$.userId' } })
  })

  it('serves the manifest, as Segment’s server does', async () => {
    const { status, body } = await http(server.url + 'manifest')
    expect(status).toBe(200)
    expect(body).toMatchObject({
      name: 'Convertro (Actions)',
      mode: 'cloud',
      directoryName: 'convertro',
      presets: [
        { partnerAction: 'identifyUser', subscribe: 'type = "identify"' },
        { partnerAction: 'trackEvent' },
        { partnerAction: 'orderCompleted', subscribe: 'type = "track" and event = "Order Completed"' },
        { partnerAction: 'appInstalled', subscribe: 'type = "track" and event = "Application Installed"' }
      ]
    })
    expect(Object.keys((body as { actions: object }).actions)).toEqual([
      'identifyUser',
      'trackEvent',
      'orderCompleted',
      'appInstalled'
    ])
  })

  it('serves the tester page', async () => {
    const response = await fetch(server.url)
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('<title>Convertro destination tester</title>')
  })

  it('tests settings on POST /authenticate with a flat settings body', async () => {
    const domain = 'acme.sp1.convertro.com'
    expect((await call('authenticate', { ...SAMPLE_SETTINGS, domain })).body).toEqual({ ok: true })
    const refused = await call('authenticate', { ...SAMPLE_SETTINGS, domain: 'evil.com/path' })
    expect(refused.body).toMatchObject({
      ok: false,
      error: expect.stringContaining('"domain" setting'),
      summary: expect.stringMatching(
        /^The settings are refused: The "domain" setting "evil\.com\/path" is invalid: .+ Nothing is sent with them\.$/
      )
    })
  })

  it.each([
    ['identifyUser', 'user', { id: 'user-1024' }],
    ['trackEvent', 'hit', { typ: 'Signed Up', val: '12.5' }],
    ['appInstalled', 'install', { app: 'Acme Shop', apv: '4.2.0' }]
  ])('runs %s into the collector when no domain is set', async (action, kind, extra) => {
    const { status, body } = await call(action, { payload: SAMPLE_EVENTS[action], settings: SAMPLE_SETTINGS })
    expect(status).toBe(200)
    const query = new URLSearchParams({ ...CONTEXT, ...extra }).toString()
    // Addressed as convertro.test, over https as every call is; this process connects that host to its collector.
    expect(urls(body)).toEqual([`GET https://convertro.test/api/${kind}/acme/1/?${query}`])
    expect((body as Exchange[])[0].response.statusCode).toBe(200)
    expect(await recorded()).toEqual([
      expect.objectContaining({
        id: expect.any(Number),
        method: 'GET',
        kind,
        client: 'acme',
        site: '1',
        url: `/api/${kind}/acme/1/?${query}`,
        query: { ...CONTEXT, ...extra },
        status: 200
      })
    ])
  })

  it('sends both hybrid calls of an order, in order, and records both', async () => {
    const settings = { ...SAMPLE_SETTINGS, hybridAttributionModel: true }
    const { body } = await call('orderCompleted', { payload: SAMPLE_EVENTS.orderCompleted, settings })
    const order = { val: '50.99', eid: 'order-5001' }
    expect((body as Exchange[]).map((e) => new URL(e.request.url).searchParams.get('typ'))).toEqual([
      'sale.repeat',
      'sale'
    ])
    expect((await recorded()).map((r) => r.query)).toEqual([
      { ...CONTEXT, typ: 'sale.repeat', ...order },
      { ...CONTEXT, typ: 'sale', ...order }
    ])
  })

  it('fills in mapping defaults under a partial mapping', async () => {
    const mapping = { event_type: 'custom-type' }
    const { body } = await call('trackEvent', { payload: SAMPLE_EVENTS.trackEvent, settings: SAMPLE_SETTINGS, mapping })
    expect(new URL((body as Exchange[])[0].request.url).searchParams.get('typ')).toBe('custom-type')
    expect(new URL((body as Exchange[])[0].request.url).searchParams.get('sid')).toBe(DEVICE)
  })

  it('returns only each call’s own requests, one after another and at once', async () => {
    await call('identifyUser', { payload: SAMPLE_EVENTS.identifyUser, settings: SAMPLE_SETTINGS })
    const next = await call('appInstalled', { payload: SAMPLE_EVENTS.appInstalled, settings: SAMPLE_SETTINGS })
    expect(urls(next.body)).toEqual([expect.stringContaining('/api/install/')])

    const users = Array.from({ length: 10 }, (_, i) => `user-${i}`)
    const answers = await Promise.all(
      users.map((userId) =>
        call('identifyUser', { payload: { ...SAMPLE_EVENTS.identifyUser, userId }, settings: SAMPLE_SETTINGS })
      )
    )
    expect(answers.map(({ body }) => urls(body).map((url) => new URL(url.slice(4)).searchParams.get('id')))).toEqual(
      users.map((user) => [user])
    )
  })

  it('reports a typed error, sending nothing', async () => {
    // A blank user id passes actions-core's check of required fields; the destination's own check refuses it.
    const payload = { ...SAMPLE_EVENTS.identifyUser, userId: ' ' }
    const { status, body } = await call('identifyUser', { payload, settings: SAMPLE_SETTINGS })
    expect(status).toBe(200)
    expect(body).toEqual([
      expect.objectContaining({
        requestError: true,
        name: 'PayloadValidationError',
        code: 'PAYLOAD_VALIDATION_FAILED',
        retryable: false,
        statusCode: 400
      })
    ])
    expect(await recorded()).toEqual([])
  })

  it('reports a failed call as a list of one error, holding the calls that went before it', async () => {
    const convertro = await stubConvertro([200, 503])
    try {
      const settings = { ...SAMPLE_SETTINGS, domain: convertro.domain, hybridAttributionModel: true }
      const { body } = await call('orderCompleted', { payload: SAMPLE_EVENTS.orderCompleted, settings })
      const [error] = body as { requestError: true; retryable: boolean; name: string; exchanges: Exchange[] }[]
      expect((body as unknown[]).length).toBe(1)
      const [first, second] = error.exchanges
      expect(error.exchanges).toHaveLength(2)
      expect([first.response.statusCode, second.response.statusCode]).toEqual([200, 503])
      expect(urls([first, second]).map((url) => new URL(url.slice(4)).searchParams.get('typ'))).toEqual([
        'sale.repeat',
        'sale'
      ])
      expect(error).toMatchObject({ requestError: true, name: 'IntegrationError', statusCode: 503, retryable: true })
      // The stand-in received exactly the calls the exchanges show, at the address convertro.test:PORT names.
      const sent = error.exchanges.map((exchange) => new URL(exchange.request.url))
      expect(sent.map((url) => url.origin)).toEqual([convertro.origin, convertro.origin])
      expect(convertro.paths).toEqual(sent.map((url) => url.pathname + url.search))
    } finally {
      await convertro.close()
    }
  })

  it('reports an unreachable Convertro as retryable', async () => {
    // convertro.test:1 is port 1 on loopback, where nothing listens.
    const settings = { ...SAMPLE_SETTINGS, domain: 'convertro.test:1' }
    const { body } = await call('identifyUser', { payload: SAMPLE_EVENTS.identifyUser, settings })
    expect(body).toEqual([expect.objectContaining({ requestError: true, name: 'RetryableError', retryable: true })])
    const [{ message, summary, exchanges }] = body as { message: string; summary: string; exchanges: unknown[] }[]
    expect(message).toMatch(
      /^Could not reach Convertro: request to https:\/\/convertro\.test:1\/api\/user\/acme\/1\/\?/
    )
    expect(summary).toMatch(/Segment would retry this event\.$/)
    expect(exchanges).toEqual([])
    expect(await recorded()).toEqual([])
  })

  it('runs an array payload through performBatch and returns each event’s status', async () => {
    const anonymous = { ...SAMPLE_EVENTS.identifyUser, userId: undefined }
    const second = { ...SAMPLE_EVENTS.identifyUser, userId: 'user-2' }
    const payload = [SAMPLE_EVENTS.identifyUser, anonymous, second]
    const { status, body } = await call('identifyUser', { payload, settings: SAMPLE_SETTINGS })
    expect(status).toBe(200)
    const { multistatus, exchanges } = body as { multistatus: { status: number }[]; exchanges: Exchange[] }
    expect(multistatus.map((entry) => entry.status)).toEqual([200, 400, 200])
    expect(exchanges.map((e) => new URL(e.request.url).searchParams.get('id')).sort()).toEqual(['user-1024', 'user-2'])
    expect((await recorded()).map((r) => r.query.id).sort()).toEqual(['user-1024', 'user-2'])
  })

  it.each([
    ['malformed JSON', 'trackEvent', { raw: '{"payload": ' }, 400, /^Malformed JSON: /],
    [
      'a body over the limit',
      'trackEvent',
      { raw: JSON.stringify({ payload: { pad: 'x'.repeat(1_100_000) } }) },
      413,
      /larger than 1mb/
    ],
    ['an unknown action', 'trackEvents', { body: {} }, 404, /^Unknown action "trackEvents"\. Actions: identifyUser, /],
    ['an inherited property as action', 'constructor', { body: {} }, 404, /^Unknown action "constructor"\./],
    [
      'a payload that is not an event',
      'trackEvent',
      { body: { payload: 'hello' } },
      400,
      /^Send { "payload": event or \[events\]/
    ],
    ['an unknown route', 'api/nope/acme/1/', { method: 'GET' }, 404, /^No route GET \/api\/nope\/acme\/1\/$/]
  ])('answers %s', async (_name, route, init, status, message) => {
    const answer = await http(server.url + route, init)
    expect(answer.status).toBe(status)
    expect((answer.body as { error: string }).error).toMatch(message)
    expect(await recorded()).toEqual([])
  })

  it('refuses a body that is not declared JSON (a cross-site form or text post)', async () => {
    const answer = await fetch(server.url + 'identifyUser', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ payload: SAMPLE_EVENTS.identifyUser, settings: SAMPLE_SETTINGS })
    })
    expect(answer.status).toBe(415)
    expect(await answer.json()).toEqual({ error: 'Send the body as JSON, with Content-Type: application/json' })
    expect(await recorded()).toEqual([])
  })

  it('does not record a HEAD as a Convertro call', async () => {
    const answer = await fetch(server.url + 'api/hit/acme/1/?sid=x', { method: 'HEAD' })
    expect(answer.status).toBe(404)
    expect(await recorded()).toEqual([])
  })

  it('answers a call without a device id like Convertro, and records it', async () => {
    const answer = await fetch(server.url + 'api/hit/acme/1/?typ=x')
    expect(answer.status).toBe(400)
    expect(await recorded()).toEqual([expect.objectContaining({ kind: 'hit', query: { typ: 'x' }, status: 400 })])
  })
})

describe('serve across restarts and source changes', () => {
  it('keeps the collector’s records through a restart, and clears them on request', async () => {
    const records = tempFile('collector.jsonl')
    const first = await serve(['--records', records, '--no-watch'])
    await http(first.url + 'identifyUser', { body: { payload: SAMPLE_EVENTS.identifyUser, settings: SAMPLE_SETTINGS } })
    expect(await first.stop()).toBe(0)
    expect(first.output()).toContain('SIGTERM: stopping')

    const second = await serve(['--records', records, '--no-watch'])
    try {
      const kept = (await http(second.url + 'collector/requests')).body as Recorded[]
      expect(kept).toEqual([
        expect.objectContaining({ id: 1, kind: 'user', query: expect.objectContaining({ id: 'user-1024' }) })
      ])
      await http(second.url + 'collector/requests', { method: 'DELETE' })
      expect((await http(second.url + 'collector/requests')).body).toEqual([])
      expect(fs.readFileSync(records, 'utf8')).toBe('')
    } finally {
      await second.stop()
    }
  })

  it('reloads the destination when its source changes, keeping what the collector has', async () => {
    const dir = copyProject()
    const server = await serve(['--records', path.join(dir, 'records.jsonl')], dir)
    try {
      await http(server.url + 'identifyUser', {
        body: { payload: SAMPLE_EVENTS.identifyUser, settings: SAMPLE_SETTINGS }
      })
      const action = path.join(dir, 'src/destinations/convertro/identifyUser/index.ts')
      const source = fs.readFileSync(action, 'utf8')
      fs.writeFileSync(action, source.replace("title: 'Identify User'", "title: 'Identify Person'"))
      await server.waitFor(
        /Reloaded Convertro \(Actions\) after a change to src\/destinations\/convertro\/identifyUser\/index\.ts/
      )
      const manifest = (await http(server.url + 'manifest')).body as { actions: Record<string, { title: string }> }
      expect(manifest.actions.identifyUser.title).toBe('Identify Person')

      fs.writeFileSync(action, source.replace("title: 'Identify User'", 'title: ,'))
      await server.waitFor(
        /Kept the previous Convertro \(Actions\): src\/destinations\/convertro\/identifyUser\/index\.ts does not load/
      )
      const still = (await http(server.url + 'manifest')).body as { actions: Record<string, { title: string }> }
      expect(still.actions.identifyUser.title).toBe('Identify Person')
      expect((await http(server.url + 'collector/requests')).body).toHaveLength(1)
    } finally {
      await server.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('reloads the rules the destination exports for the server, as it does the definition', async () => {
    const dir = copyProject()
    const server = await serve(['--records', path.join(dir, 'records.jsonl')], dir)
    try {
      const call = server.url + 'api/ping/acme/1/?sid=device-1'
      // The collector answers a call with a GIF, not JSON.
      expect((await fetch(call)).status).toBe(404)
      const constants = path.join(dir, 'src/destinations/convertro/constants.ts')
      const source = fs.readFileSync(constants, 'utf8')
      expect(source).toContain("['user', 'hit', 'install']")
      fs.writeFileSync(constants, source.replace("['user', 'hit', 'install']", "['user', 'hit', 'install', 'ping']"))
      await server.waitFor(
        /Reloaded Convertro \(Actions\) after a change to src\/destinations\/convertro\/constants\.ts/
      )
      expect((await fetch(call)).status).toBe(200)
      expect((await http(server.url + 'collector/requests')).body).toEqual([
        expect.objectContaining({ kind: 'ping', client: 'acme', site: '1', query: { sid: 'device-1' } })
      ])
    } finally {
      await server.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('binds where --host says and prints that URL; its collector answers convertro.test there', async () => {
    const server = await serve(['--host', 'localhost', '--records', tempFile('r.jsonl'), '--no-watch'])
    try {
      expect(server.url).toMatch(/^http:\/\/localhost:\d+\/$/)
      const { body } = await http(server.url + 'identifyUser', {
        body: { payload: SAMPLE_EVENTS.identifyUser, settings: SAMPLE_SETTINGS }
      })
      const [url] = urls(body)
      expect(url).toMatch(/^GET https:\/\/convertro\.test\/api\/user\/acme\/1\/\?/)
      const kept = (await http(server.url + 'collector/requests')).body as { url: string }[]
      expect(kept.map((entry) => entry.url)).toEqual([url.slice('GET https://convertro.test'.length)])
    } finally {
      await server.stop()
    }
  })

  it('bound beyond loopback, says so, and still has its collector as the default domain', async () => {
    const server = await serve(['--host', '0.0.0.0', '--records', tempFile('r.jsonl'), '--no-watch', '-n'])
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      expect(server.address).toMatch(/^0\.0\.0\.0:\d+$/)
      await server.waitFor(/^Collector: .*$/m)
      const lines = server.output().split('\n')
      expect(lines).toContain(
        'Listening beyond loopback (0.0.0.0): anyone who reaches it can make this server send requests.'
      )
      expect(lines.filter((line) => line.startsWith('Collector: '))).toEqual([
        expect.stringMatching(
          /^Collector: calls to https:\/\/convertro\.test\/ \(the domain when the settings name none\) are answered here and kept in .*r\.jsonl$/
        )
      ])
      const { body } = await http(server.url + 'appInstalled', {
        body: { payload: SAMPLE_EVENTS.appInstalled, settings: SAMPLE_SETTINGS }
      })
      const [url] = urls(body)
      expect(url).toMatch(/^GET https:\/\/convertro\.test\/api\/install\/acme\/1\/\?/)
      const kept = (await http(server.url + 'collector/requests')).body as { url: string }[]
      expect(kept.map((entry) => entry.url)).toEqual([url.slice('GET https://convertro.test'.length)])
    } finally {
      await server.stop()
    }
  })
})

function urls(exchanges: unknown): string[] {
  return (exchanges as Exchange[]).map((e) => `${e.request.method} ${e.request.url}`)
}
