import fs from 'fs'
import zlib from 'zlib'
import { createServer } from 'http'
import type { IncomingMessage, ServerResponse } from 'http'
import { cli, ingestServer, ingestView, serve, settled as settledView, tempFile } from './helpers'
import type { IngestView, IngestedEvent, Served } from './helpers'

// Each server is its own process, started from TypeScript sources.
jest.setTimeout(90_000)

interface Call {
  path: string
  query: Record<string, string>
}

/**
 * A stand-in Convertro on loopback whose answer a test can change: a status, or no answer at all. Its domain is
 * `convertro.test:PORT`, which the server connects to 127.0.0.1:PORT.
 */
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
    domain: `convertro.test:${port}`,
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

const ingested = (server: Served) => ingestView(server.url)
const settled = (server: Served, accepted: number) => settledView(server.url, accepted)

const statusOf = (view: IngestView) => Object.fromEntries(view.events.map((e) => [e.id, e.status]))

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
    // Skipped by the Integrations object or by every subscription, a finished event was looked at once.
    const attempts = Object.fromEntries(view.events.map((e) => [e.id, e.attempts]))
    expect(attempts).toEqual(Object.fromEntries(batch.map((e) => [e.messageId, 1])))

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

  it('checks a write key in the header before reading the body', async () => {
    const answer = await post(`${server.url}v1/batch`, null, { raw: '{"batch": [', headers: basic('guess') })
    expect(answer.status).toBe(401)
  })

  it('reads a body that starts with a byte order mark, and keeps a numeric messageId as text', async () => {
    const before = (await ingested(server)).counts.accepted
    const raw = `\uFEFF${JSON.stringify({ ...track('ignored'), messageId: 12345, writeKey: 'secret' })}`
    expect(await post(`${server.url}v1/t`, null, { raw, headers: { 'content-type': 'text/plain' } })).toEqual({
      status: 200,
      body: { success: true }
    })
    const view = await settled(server, before + 1)
    expect(view.events.find((e) => e.id === '12345')?.status).toBe('sent')
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
    // Once the events of earlier tests are done, so the calls counted are this event's alone.
    const before = await settled(server, (await ingested(server)).counts.accepted)
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
    const event = view.events.find((e) => e.id === 'r-ok') as IngestedEvent
    expect(event).toMatchObject({ status: 'sent', attempts: 3 })
    expect(event.subscriptions.find((s) => s.matched)?.requests.map((r) => r.statusCode)).toEqual([503, 503, 200])
  })

  /** Sends an event while Convertro answers `status`: the event once done, and how many calls it made. */
  async function outcomeWith(status: number, messageId: string) {
    const before = (await ingested(server)).counts.accepted
    const calls = stub.calls.length
    stub.answer(status)
    await send(messageId)
    const view = await settled(server, before + 1)
    return { event: view.events.find((e) => e.id === messageId) as IngestedEvent, calls: stub.calls.length - calls }
  }

  it.each([429, 423, 503])(
    'retries %i, as Segment would, and gives up after the retries, in plain words',
    async (status) => {
      const { event, calls } = await outcomeWith(status, `r-exhausted-${status}`)
      expect(event).toMatchObject({ status: 'failed', attempts: 3 })
      expect(event.reason).toMatch(
        new RegExp(
          `^Convertro answered ${status}: status ${status} \\([A-Z_]+\\)\\. Segment would retry this event\\.$`
        )
      )
      expect(calls).toBe(3)
    }
  )

  it.each([400, 404, 501])('does not retry %i, as Segment would not', async (status) => {
    const { event, calls } = await outcomeWith(status, `r-${status}`)
    expect(event).toMatchObject({ status: 'failed', attempts: 1 })
    expect(event.reason).toMatch(/Segment would not retry this event\.$/)
    expect(calls).toBe(1)
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

describe('Tracking API journal', () => {
  let stub: Awaited<ReturnType<typeof convertro>>
  beforeEach(async () => {
    stub = await convertro()
  })
  afterEach(() => stub.close())

  const events = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      type: 'track',
      event: 'Signed Up',
      userId: `u${i}`,
      messageId: `${prefix}-${i}`,
      // Each event its own device, so Convertro's calls tell them apart.
      context: { device: { id: `${prefix}-device-${i}` } }
    }))
  const lines = (file: string) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { t: string; id: string })
  const doneIds = (file: string) =>
    lines(file)
      .filter((record) => record.t === 'done')
      .map((record) => record.id)
      .sort()

  it('after kill -9, processes every accepted event that was not done, each once', async () => {
    const { journal, start } = ingestServer(stub.domain)
    let server = await start()
    // Convertro holds the first calls open: 10 events are under way, 20 wait in the queue.
    stub.answer('hang')
    expect((await post(`${server.url}v1/batch`, { batch: events('k', 30) })).status).toBe(200)
    while (stub.calls.length < 10) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await server.stop('SIGKILL')).toBeNull()
    expect(doneIds(journal)).toEqual([])
    expect(stub.calls).toHaveLength(10)

    stub.answer(200)
    server = await start()
    try {
      expect(server.output()).toContain('Ingest: 30 accepted event(s) not yet done are queued again')
      const view = await settled(server, 30)
      expect(view.counts).toMatchObject({ accepted: 30, sent: 30, failed: 0, duplicates: 0 })
      const ids = events('k', 30).map((event) => event.messageId)
      expect(doneIds(journal)).toEqual([...ids].sort())
      // Convertro recorded each event once: only the 10 it never answered were sent a second time.
      const devices = stub.recorded().map((call) => call.query.sid)
      expect(devices.sort()).toEqual(ids.map((id) => id.replace('k-', 'k-device-')).sort())
      expect(stub.calls).toHaveLength(40)
    } finally {
      await server.stop()
    }
  })

  it('keeps what a stop left for retry, and does not send again what was done', async () => {
    const { journal, start } = ingestServer(stub.domain, ['--retry-delay', '60000'])
    let server = await start()
    stub.answer(200)
    await post(`${server.url}v1/batch`, { batch: events('done', 2) })
    await settled(server, 2)
    stub.answer(503)
    await post(`${server.url}v1/batch`, { batch: events('later', 2) })
    while (stub.calls.length < 4) await new Promise((resolve) => setTimeout(resolve, 20))
    // Both wait a minute for their retry; stopping leaves them undone in the journal.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await server.stop('SIGTERM')).toBe(0)
    expect(doneIds(journal)).toEqual(['done-0', 'done-1'])

    stub.answer(200)
    server = await start()
    try {
      const view = await settled(server, 4)
      expect(view.counts).toMatchObject({ accepted: 4, sent: 4 })
      expect(view.events.find((e) => e.id === 'later-0')).toMatchObject({ status: 'sent', attempts: 2 })
      expect(doneIds(journal)).toEqual(['done-0', 'done-1', 'later-0', 'later-1'])
      expect(stub.calls.map((call) => call.status)).toEqual([200, 200, 503, 503, 200, 200])
    } finally {
      await server.stop()
    }
  })

  it('keeps on start only what a restart needs, and still knows the events it kept', async () => {
    const { journal, start } = ingestServer(stub.domain, ['--retry-delay', '20'])
    let server = await start()
    let answers = 0
    // Each event's first call fails, so each gets an attempt record before it is done.
    stub.answer(() => (++answers % 2 === 1 ? 503 : 200))
    try {
      for (const event of events('c', 3)) await post(`${server.url}v1/track`, event)
      await settled(server, 3)
    } finally {
      await server.stop()
    }
    expect(lines(journal).map((record) => record.t)).toEqual(expect.arrayContaining(['accepted', 'attempt', 'done']))
    server = await start()
    try {
      expect(lines(journal).map((record) => [record.t, record.id])).toEqual(
        ['c-0', 'c-1', 'c-2'].flatMap((id) => [
          ['accepted', id],
          ['done', id]
        ])
      )
      expect((await ingested(server)).counts).toMatchObject({ accepted: 3, sent: 3, pending: 0 })
      const calls = stub.calls.length
      await post(`${server.url}v1/track`, events('c', 1)[0])
      expect((await ingested(server)).counts).toMatchObject({ accepted: 3, duplicates: 1 })
      expect(stub.calls.length).toBe(calls)
    } finally {
      await server.stop()
    }
  })

  it('never delivers twice a resend after a restart, beyond the 1,000 finished events the journal keeps whole', async () => {
    const { journal, start } = ingestServer(stub.domain)
    const resent = events('again', 2000)
    const sendAll = async (server: Served) => {
      for (let i = 0; i < resent.length; i += 100) {
        expect((await post(`${server.url}v1/batch`, { batch: resent.slice(i, i + 100) })).status).toBe(200)
      }
    }
    let server = await start()
    try {
      await sendAll(server)
      await settled(server, 2000)
    } finally {
      await server.stop()
    }
    const delivered = stub.calls.length
    server = await start()
    try {
      // Compacted: the newest 1,000 events whole, the other 1,000 by message id alone.
      const kinds = lines(journal).map((record) => record.t)
      expect(kinds.filter((kind) => kind === 'seen')).toHaveLength(1000)
      expect(kinds.filter((kind) => kind === 'accepted')).toHaveLength(1000)
      const { accepted } = (await ingested(server)).counts
      await sendAll(server)
      expect((await ingested(server)).counts).toMatchObject({ accepted, duplicates: 2000, pending: 0 })
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(stub.calls.length - delivered).toBe(0)
    } finally {
      await server.stop()
    }
  })

  it('refuses a journal another running server holds', async () => {
    const { journal, start } = ingestServer(stub.domain)
    const server = await start()
    try {
      const second = await cli(['serve', '--port', '0', '--no-watch', '--journal', journal])
      expect(second.code).toBe(1)
      expect(second.stderr).toContain(`${journal} is in use by process`)
    } finally {
      await server.stop()
    }
    // Stopped, it lets go: the next server takes the journal.
    await (await start()).stop()
  })

  it('moves aside a last line that was being written, which was never acknowledged', async () => {
    const { journal, start } = ingestServer(stub.domain)
    let server = await start()
    await post(`${server.url}v1/batch`, { batch: events('whole', 1) })
    await settled(server, 1)
    await server.stop()
    const torn = '{"t":"accepted","id":"torn","at":"2026-'
    fs.appendFileSync(journal, torn)
    server = await start()
    try {
      expect(server.output()).toContain(`${journal}: moved an unfinished last line (39 bytes) to ${journal}.torn`)
      expect(fs.readFileSync(`${journal}.torn`, 'utf8')).toBe(`${torn}\n`)
      expect((await ingested(server)).counts).toMatchObject({ accepted: 1, sent: 1, pending: 0 })
      await post(`${server.url}v1/batch`, { batch: events('after', 1) })
      await settled(server, 2)
      expect(lines(journal).map((record) => [record.t, record.id])).toEqual([
        ['accepted', 'whole-0'],
        ['done', 'whole-0'],
        ['accepted', 'after-0'],
        ['done', 'after-0']
      ])
    } finally {
      await server.stop()
    }
  })
})

describe('serve --settings and --subscriptions', () => {
  it('routes through the subscriptions migrate prints', async () => {
    const stub = await convertro()
    const migrated = await cli(['migrate', 'examples/classic-settings.json'])
    expect(migrated.code).toBe(0)
    const subscriptions = tempFile('migrated.json', migrated.stdout)
    const server = await ingestServer(stub.domain, ['--subscriptions', subscriptions]).start()
    try {
      const track = (messageId: string, event: string) => ({
        type: 'track',
        event,
        userId: 'u',
        messageId,
        context: device,
        timestamp: AT
      })
      await post(`${server.url}v1/batch`, {
        batch: [track('m-signup', 'Signed Up'), track('m-trial', 'Trial Started'), track('m-other', 'Viewed Page')]
      })
      const view = await settled(server, 3)
      expect(statusOf(view)).toEqual({ 'm-signup': 'sent', 'm-trial': 'sent', 'm-other': 'skipped' })
      const base = { sid: DEVICE, ts: ts(AT), val: '1' }
      expect(stub.recorded().sort((a, b) => a.query.typ.localeCompare(b.query.typ))).toEqual([
        { path: '/api/hit/acme/1/', query: { ...base, typ: 'signup' } },
        { path: '/api/hit/acme/1/', query: { ...base, typ: 'trial' } }
      ])
    } finally {
      await server.stop()
      await stub.close()
    }
  })

  it.each([
    ['a settings file without a client name', { account: 'acme', siteId: '1' }, /clientName/],
    [
      'a domain that is a URL with a path',
      { account: 'acme', clientName: 'acme', siteId: '1', domain: 'https://evil.example/x' },
      /domain/
    ],
    [
      'a local collector named the old way, over http on loopback',
      { clientName: 'acme', siteId: '1', domain: 'http://127.0.0.1:3000' },
      /"domain" setting "http:\/\/127\.0\.0\.1:3000" is invalid/
    ]
  ])('refuses to start with %s, naming the setting', async (_name, settings, named) => {
    const run = await cli(['serve', '--port', '0', '--no-watch', '--settings', tempFile('settings.json', settings)])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/Invalid settings/)
    expect(run.stderr).toMatch(named)
  })

  it('refuses a subscriptions file naming an unknown action or a query that does not parse', async () => {
    const file = tempFile('subscriptions.json', {
      subscriptions: [
        { partnerAction: 'sendEmail', subscribe: 'type = "track"' },
        { partnerAction: 'trackEvent', subscribe: 'type = "track" and' }
      ]
    })
    const run = await cli(['serve', '--port', '0', '--no-watch', '--subscriptions', file])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('subscriptions[0].partnerAction "sendEmail" is not an action')
    expect(run.stderr).toMatch(/subscriptions\[1\]\.subscribe /)
  })
})

describe('Tracking API without settings', () => {
  it('sends to this server’s own collector, addressed as convertro.test, and records the calls exactly', async () => {
    const server = await serve(['--no-watch'])
    try {
      const event = { event: 'Signed Up', userId: 'u1', messageId: 'own-1', context: device, timestamp: AT }
      expect((await post(`${server.url}v1/track`, event)).status).toBe(200)
      const view = await settled(server, 1)
      const query = new URLSearchParams({ sid: DEVICE, ts: ts(AT), typ: 'Signed Up', val: '1' }).toString()
      expect(view.events.map((e) => [e.id, e.status])).toEqual([['own-1', 'sent']])
      expect(view.events[0].subscriptions.flatMap((s) => s.requests)).toEqual([
        expect.objectContaining({ url: `https://convertro.test/api/hit/acme/1/?${query}`, statusCode: 200 })
      ])
      const recorded = (await (await fetch(`${server.url}collector/requests`)).json()) as { url: string }[]
      expect(recorded.map((entry) => entry.url)).toEqual([`/api/hit/acme/1/?${query}`])
    } finally {
      await server.stop()
    }
  })
})
