import fs from 'fs'
import path from 'path'
import zlib from 'zlib'
import { createServer, type IncomingMessage, type ServerResponse } from 'http'
import { serve, tempFile, type Served } from './helpers'

// Each server is its own process, started from TypeScript sources.
jest.setTimeout(90_000)

interface Call {
  path: string
  query: Record<string, string>
}

/** A stand-in Convertro on loopback whose answer a test can change: a status, or no answer at all. */
async function convertro() {
  const calls: (Call & { status: number | 'hung' })[] = []
  const hung: ServerResponse[] = []
  type Answer = number | 'hang'
  let answer: Answer | ((call: Call) => Answer) = 200
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '', 'http://convertro')
    const call = { path: url.pathname, query: Object.fromEntries(url.searchParams) }
    const status = typeof answer === 'function' ? answer(call) : answer
    if (status === 'hang') {
      calls.push({ ...call, status: 'hung' })
      hung.push(res)
      return
    }
    calls.push({ ...call, status })
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? '' : `status ${status}`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    domain: `http://127.0.0.1:${port}`,
    calls,
    answer: (next: typeof answer) => (answer = next),
    /** The calls Convertro answered with 200: what it recorded. */
    recorded: () => calls.filter((call) => call.status === 200).map(({ path, query }) => ({ path, query })),
    close: () => {
      hung.forEach((res) => res.destroy())
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

interface Counts {
  accepted: number
  duplicates: number
  sent: number
  skipped: number
  failed: number
  pending: number
}
interface Ingested {
  id: string
  status: string
  reason?: string
  attempts: number
  subscriptions: { name: string; matched: boolean; requests: { url: string; statusCode: number }[] }[]
}

const DEVICE = 'device-1'
const device = { device: { id: DEVICE } }

async function post(
  url: string,
  body: unknown,
  { headers = {}, raw }: { headers?: Record<string, string>; raw?: BodyInit } = {}
) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw ?? JSON.stringify(body)
  })
  return { status: response.status, body: (await response.json()) as { success: boolean; message?: string } }
}

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` })

async function ingested(server: Served) {
  const response = await fetch(`${server.url}ingest/events?limit=1000`)
  return (await response.json()) as { counts: Counts; events: Ingested[] }
}

/** Waits until every accepted event is done. */
async function settled(server: Served, accepted: number): Promise<{ counts: Counts; events: Ingested[] }> {
  for (let tries = 0; ; tries++) {
    const view = await ingested(server)
    const { counts } = view
    if (
      counts.accepted === accepted &&
      counts.pending === 0 &&
      counts.sent + counts.skipped + counts.failed === accepted
    )
      return view
    if (tries > 400) throw new Error(`events not settled: ${JSON.stringify(counts)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const statusOf = (view: { events: Ingested[] }) => Object.fromEntries(view.events.map((e) => [e.id, e.status]))

const settingsFile = (domain: string, extra: Record<string, unknown> = {}) =>
  tempFile('settings.json', { account: 'acme', clientName: 'acme', siteId: '1', domain, ...extra })

function ingestServer(domain: string, args: string[] = []) {
  const dir = fs.mkdtempSync(path.join(path.dirname(tempFile('x')), 'ingest-'))
  const journal = path.join(dir, 'ingest.jsonl')
  const start = (more: string[] = []) =>
    serve([
      '--no-watch',
      '--settings',
      settingsFile(domain),
      '--journal',
      journal,
      '--records',
      path.join(dir, 'collector.jsonl'),
      ...args,
      ...more
    ])
  return { journal, start }
}

const ts = (iso: string) => String(Math.floor(Date.parse(iso) / 1000))
const AT = '2026-11-25T10:00:00.000Z'

describe('Tracking API routing', () => {
  let stub: Awaited<ReturnType<typeof convertro>>
  let server: Served

  beforeAll(async () => {
    stub = await convertro()
    server = await ingestServer(stub.domain).start()
  })
  afterAll(async () => {
    await server.stop()
    await stub.close()
  })

  it('routes a batch through the presets and honours the Integrations object', async () => {
    const event = (messageId: string, fields: Record<string, unknown>) => ({
      messageId,
      timestamp: AT,
      context: device,
      ...fields
    })
    const batch = [
      event('m-identify', { type: 'identify', userId: 'u1', traits: { email: 'a@example.com' } }),
      event('m-track', { type: 'track', event: 'Signed Up', userId: 'u1', properties: { revenue: 9.5 } }),
      event('m-order', {
        type: 'track',
        event: 'Order Completed',
        userId: 'u1',
        properties: { order_id: 'o-1', total: 20 }
      }),
      event('m-install', {
        type: 'track',
        event: 'Application Installed',
        anonymousId: 'a1',
        context: { ...device, app: { name: 'Shop', version: '1.2' } }
      }),
      event('m-page', { type: 'page', name: 'Home', anonymousId: 'a1' }),
      event('m-off', { type: 'track', event: 'Signed Up', userId: 'u1', integrations: { Convertro: false } }),
      event('m-all-off', { type: 'track', event: 'Signed Up', userId: 'u1', integrations: { All: false } }),
      event('m-all-off-on', {
        type: 'track',
        event: 'Trial Started',
        userId: 'u1',
        integrations: { All: false, Convertro: true }
      }),
      event('m-all-off-options', {
        type: 'track',
        event: 'Trial Ended',
        userId: 'u1',
        integrations: { All: false, Convertro: {} }
      })
    ]
    expect(await post(`${server.url}v1/batch`, { batch }, { headers: basic('any') })).toEqual({
      status: 200,
      body: { success: true }
    })

    const view = await settled(server, batch.length)
    expect(statusOf(view)).toEqual({
      'm-identify': 'sent',
      'm-track': 'sent',
      'm-order': 'sent',
      'm-install': 'sent',
      'm-page': 'skipped',
      'm-off': 'skipped',
      'm-all-off': 'skipped',
      'm-all-off-on': 'sent',
      'm-all-off-options': 'sent'
    })
    const reasons = Object.fromEntries(view.events.map((e) => [e.id, e.reason]))
    expect(reasons['m-page']).toBe('no subscription matched the event')
    expect(reasons['m-off']).toBe('integrations.Convertro is false')
    expect(reasons['m-all-off']).toBe('integrations.All is false and integrations.Convertro is not enabled')

    const base = { sid: DEVICE, ts: ts(AT) }
    const sorted = (calls: Call[]) => [...calls].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
    expect(sorted(stub.recorded())).toEqual(
      sorted([
        { path: '/api/user/acme/1/', query: { ...base, id: 'u1' } },
        { path: '/api/hit/acme/1/', query: { ...base, typ: 'Signed Up', val: '9.5' } },
        { path: '/api/hit/acme/1/', query: { ...base, typ: 'sale', val: '20', eid: 'o-1' } },
        { path: '/api/install/acme/1/', query: { ...base, app: 'Shop', apv: '1.2' } },
        { path: '/api/hit/acme/1/', query: { ...base, typ: 'Trial Started', val: '1' } },
        { path: '/api/hit/acme/1/', query: { ...base, typ: 'Trial Ended', val: '1' } }
      ])
    )
  })
})

describe('Tracking API requests', () => {
  let stub: Awaited<ReturnType<typeof convertro>>
  let server: Served
  const track = (messageId: string, extra: Record<string, unknown> = {}) => ({
    type: 'track',
    event: 'Signed Up',
    userId: 'u1',
    messageId,
    context: device,
    ...extra
  })

  beforeAll(async () => {
    stub = await convertro()
    server = await ingestServer(stub.domain, ['--write-key', 'secret']).start()
  })
  afterAll(async () => {
    await server.stop()
    await stub.close()
  })

  it('takes the write key as the Basic auth user name or as writeKey in a text/plain body', async () => {
    const before = (await ingested(server)).counts.accepted
    expect(await post(`${server.url}v1/track`, track('k-basic'), { headers: basic('secret') })).toEqual({
      status: 200,
      body: { success: true }
    })
    // analytics.js posts to the one-letter paths with the key in the body and text/plain, to avoid a preflight.
    const body = JSON.stringify({ ...track('k-body'), type: undefined, writeKey: 'secret' })
    expect(await post(`${server.url}v1/t`, null, { raw: body, headers: { 'content-type': 'text/plain' } })).toEqual({
      status: 200,
      body: { success: true }
    })
    const view = await settled(server, before + 2)
    const sent = view.events.filter((e) => e.id.startsWith('k-'))
    expect(sent.map((e) => [e.id, e.status]).sort()).toEqual([
      ['k-basic', 'sent'],
      ['k-body', 'sent']
    ])
  })

  it('refuses a missing or wrong write key with 401 and takes none of the events', async () => {
    const { counts } = await ingested(server)
    const calls = stub.calls.length
    const refused = { status: 401, body: { success: false, message: expect.stringContaining('write key') } }
    expect(await post(`${server.url}v1/batch`, { batch: [track('k-none')] })).toEqual(refused)
    expect(await post(`${server.url}v1/batch`, { batch: [track('k-wrong')] }, { headers: basic('guess') })).toEqual(
      refused
    )
    expect(await post(`${server.url}v1/batch`, { batch: [track('k-wrong-body')], writeKey: 'guess' })).toEqual(refused)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await ingested(server)).counts).toEqual(counts)
    expect(stub.calls.length).toBe(calls)
  })

  it.each([
    ['malformed JSON', 400, { raw: '{"batch": [' }, /^Malformed JSON/],
    ['a body that is not an object', 400, { raw: '[1, 2]' }, /must be a JSON object/],
    ['a batch without a list', 400, { body: { batch: {} } }, /needs a "batch" list/],
    [
      'an event of no known type',
      400,
      { body: { batch: [{ ...{ type: 'purchase' }, userId: 'u' }] } },
      /type "purchase"/
    ],
    [
      'an event without any id',
      400,
      { body: { batch: [{ type: 'track', event: 'E' }] } },
      /neither userId nor anonymousId/
    ],
    [
      'a track without an event name',
      400,
      { body: { batch: [{ type: 'track', userId: 'u' }] } },
      /without an event name/
    ],
    [
      'an event over 32 KB',
      413,
      { body: { batch: [{ type: 'track', event: 'E', userId: 'u', properties: { blob: 'x'.repeat(33 * 1024) } }] } },
      /Event 0 of the batch is 33\.\d KB; Segment's limit is 32 KB an event/
    ],
    [
      'a batch over 500 KB',
      413,
      {
        body: {
          batch: Array.from({ length: 20 }, (_, i) =>
            track(`big-${i}`, { properties: { blob: 'x'.repeat(30 * 1024) } })
          )
        }
      },
      /over Segment's limit of 500 KB/
    ],
    ['a gzip body that is not gzip', 400, { raw: 'not gzip at all', gzip: true }, /^Unreadable body/]
  ])('refuses %s (%i) and takes none of the events', async (_name, status, request, message) => {
    const { counts } = await ingested(server)
    const headers = { ...basic('secret'), ...('gzip' in request ? { 'content-encoding': 'gzip' } : {}) }
    const answer = await post(`${server.url}v1/batch`, 'body' in request ? request.body : null, {
      headers,
      raw: 'raw' in request ? request.raw : undefined
    })
    expect(answer.status).toBe(status)
    expect(answer.body.success).toBe(false)
    expect(answer.body.message).toMatch(message)
    expect((await ingested(server)).counts).toEqual(counts)
  })

  it('refuses an unknown call with 404', async () => {
    const answer = await post(`${server.url}v1/purchase`, track('x'), { headers: basic('secret') })
    expect(answer).toEqual({ status: 404, body: { success: false, message: 'No Tracking API call /v1/purchase' } })
  })

  it('inflates a gzip body', async () => {
    const before = (await ingested(server)).counts.accepted
    const raw = new Blob([zlib.gzipSync(JSON.stringify({ batch: [track('k-gzip')] }))])
    const answer = await post(`${server.url}v1/batch`, null, {
      raw,
      headers: { ...basic('secret'), 'content-encoding': 'gzip' }
    })
    expect(answer).toEqual({ status: 200, body: { success: true } })
    const view = await settled(server, before + 1)
    expect(view.events.find((e) => e.id === 'k-gzip')?.status).toBe('sent')
  })

  it('answers a preflight from another origin, and its post', async () => {
    const preflight = await fetch(`${server.url}v1/t`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,x-retry-count'
      }
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST')
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization,x-retry-count')
    const posted = await fetch(`${server.url}v1/t`, {
      method: 'POST',
      headers: { origin: 'https://shop.example', 'content-type': 'text/plain', ...basic('secret') },
      body: JSON.stringify(track('k-cors'))
    })
    expect(posted.status).toBe(200)
    expect(posted.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('takes an event sent again with the same messageId once', async () => {
    const before = await ingested(server)
    const calls = stub.recorded().length
    for (let i = 0; i < 3; i++) {
      expect(
        (await post(`${server.url}v1/batch`, { batch: [track('k-again')] }, { headers: basic('secret') })).status
      ).toBe(200)
    }
    const view = await settled(server, before.counts.accepted + 1)
    expect(view.counts.duplicates).toBe(before.counts.duplicates + 2)
    expect(stub.recorded().length).toBe(calls + 1)
  })
})

describe('Tracking API retries', () => {
  let stub: Awaited<ReturnType<typeof convertro>>
  let server: Served

  beforeAll(async () => {
    stub = await convertro()
    server = await ingestServer(stub.domain, ['--retries', '2', '--retry-delay', '50']).start()
  })
  afterEach(() => stub.answer(200))
  afterAll(async () => {
    await server.stop()
    await stub.close()
  })

  const send = (messageId: string, extra: Record<string, unknown> = {}) =>
    post(`${server.url}v1/track`, { event: 'Signed Up', userId: 'u1', messageId, context: device, ...extra })

  it('retries a retryable answer with backoff, and succeeds', async () => {
    const before = (await ingested(server)).counts.accepted
    stub.answer(503)
    await send('r-ok')
    while (stub.calls.filter((call) => call.status === 503).length < 2) await new Promise((r) => setTimeout(r, 20))
    stub.answer(200)
    const view = await settled(server, before + 1)
    const event = view.events.find((e) => e.id === 'r-ok') as Ingested
    expect(event).toMatchObject({ status: 'sent', attempts: 3 })
    expect(event.subscriptions.find((s) => s.matched)?.requests.map((r) => r.statusCode)).toEqual([503, 503, 200])
  })

  it('gives up after the retries, with the error in plain words', async () => {
    const before = (await ingested(server)).counts.accepted
    const calls = stub.calls.length
    stub.answer(429)
    await send('r-exhausted')
    const view = await settled(server, before + 1)
    const event = view.events.find((e) => e.id === 'r-exhausted') as Ingested
    expect(event).toMatchObject({ status: 'failed', attempts: 3 })
    expect(event.reason).toMatch(/^Convertro answered 429: status 429 .*Segment would retry this event\.$/)
    expect(stub.calls.length - calls).toBe(3)
  })

  it('does not retry a non-retryable answer', async () => {
    const before = (await ingested(server)).counts.accepted
    const calls = stub.calls.length
    stub.answer(400)
    await send('r-400')
    const view = await settled(server, before + 1)
    expect(view.events.find((e) => e.id === 'r-400')).toMatchObject({ status: 'failed', attempts: 1 })
    expect(stub.calls.length - calls).toBe(1)
  })

  it('does not run again a subscription that already succeeded when another is retried', async () => {
    const subscriptions = tempFile('subscriptions.json', {
      subscriptions: [
        { name: 'A', partnerAction: 'trackEvent', subscribe: 'type = "track"', mapping: { event_type: 'a' } },
        { name: 'B', partnerAction: 'trackEvent', subscribe: 'type = "track"', mapping: { event_type: 'b' } }
      ]
    })
    const other = await ingestServer(stub.domain, ['--retry-delay', '50', '--subscriptions', subscriptions]).start()
    const calls = stub.calls.length
    let failedB = false
    // B's first call fails with a retryable answer; A's succeeds at once.
    stub.answer((call) => (call.query.typ === 'b' && !failedB ? ((failedB = true), 503) : 200))
    try {
      await post(`${other.url}v1/track`, { event: 'E', userId: 'u', messageId: 'r-two', context: device })
      const view = await settled(other, 1)
      expect(view.events[0]).toMatchObject({ status: 'sent', attempts: 2 })
      expect(
        stub.calls
          .slice(calls)
          .map((call) => [call.query.typ, call.status])
          .sort()
      ).toEqual([
        ['a', 200],
        ['b', 200],
        ['b', 503]
      ])
    } finally {
      await other.stop()
    }
  })
})
