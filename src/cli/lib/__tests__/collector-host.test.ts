import http from 'http'
import https from 'https'
import net from 'net'
import nock from 'nock'
import type { AddressInfo } from 'net'
import type { JSONObject } from '@segment/actions-core'
import * as constants from '../../../destinations/convertro/constants'
import * as endpoint from '../../../destinations/convertro/endpoint'
import * as request from '../../../destinations/convertro/request'
import { SERVER_DESTINATION_DIR, loadServerDestination } from '../../destinations'
import { CollectorAgent, collectorAddress } from '../collector-host'
import type { CollectorAddress } from '../collector-host'
import { runAction } from '../run'
import { SAMPLE_EVENTS } from '../samples'

const SETTINGS = { clientName: 'acme', siteId: '1' }
const QUERY =
  'sid=3f1b2c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d&ts=1709634030&cua=Mozilla%2F5.0+%28iPhone%3B+CPU+iPhone+OS+17_4+like+Mac+OS+X%29+AppleWebKit%2F605.1.15+%28KHTML%2C+like+Gecko%29+Mobile%2F15E148&cip=203.0.113.7&id=user-1024'

interface Received {
  method?: string
  url?: string
  host?: string
}

const servers: net.Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

/** A plain-http server on loopback recording each request as it arrived: the collector's stand-in. */
async function collector(): Promise<{ address: CollectorAddress; received: Received[] }> {
  const received: Received[] = []
  const server = http.createServer((req, res) => {
    received.push({ method: req.method, url: req.url, host: req.headers.host })
    res.writeHead(200, { 'content-type': 'image/gif' }).end()
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { address: { host: '127.0.0.1', port: (server.address() as AddressInfo).port }, received }
}

async function identify(agent: CollectorAgent, domain: string) {
  const { definition } = await loadServerDestination({ agent })
  const payload = SAMPLE_EVENTS.identifyUser as unknown as JSONObject
  return runAction(definition, 'identifyUser', { payload, settings: { ...SETTINGS, domain } })
}

describe('the seam to the server destination', () => {
  it("takes the rules from the destination's own modules, and the definition as it is but for the agent", async () => {
    const agent = new CollectorAgent()
    const { definition, rules } = await loadServerDestination({ agent })
    expect(rules).toEqual({
      CALL_KINDS: constants.CALL_KINDS,
      parseDomain: endpoint.parseDomain,
      statusError: request.statusError
    })
    const own = ((await import(SERVER_DESTINATION_DIR)) as { default: object }).default
    const { extendRequest, ...rest } = definition
    expect(rest).toEqual(own)
    expect(extendRequest?.({ payload: undefined, settings: {} })).toEqual({ agent })
  })

  it('refuses a folder that is not the server destination, naming the modules it needs', async () => {
    await expect(loadServerDestination({ dir: `${SERVER_DESTINATION_DIR}/identifyUser` })).rejects.toThrow(
      /is not Convertro's server destination: .*CALL_KINDS from constants\.ts, parseDomain from endpoint\.ts, statusError from request\.ts/
    )
  })
})

describe('CollectorAgent', () => {
  it('connects convertro.test to the default collector in plain http, the call recorded exactly', async () => {
    const { address, received } = await collector()
    const run = await identify(new CollectorAgent(() => address), 'convertro.test')
    expect(run.error).toBeUndefined()
    expect(run.exchanges.map((e) => [e.request.url, e.response.statusCode])).toEqual([
      [`https://convertro.test/api/user/acme/1/?${QUERY}`, 200]
    ])
    expect(received).toEqual([{ method: 'GET', url: `/api/user/acme/1/?${QUERY}`, host: 'convertro.test' }])
  })

  it('connects convertro.test:PORT to 127.0.0.1:PORT, whatever the default collector', async () => {
    const { address, received } = await collector()
    const other = await collector()
    const run = await identify(new CollectorAgent(() => other.address), `convertro.test:${address.port}`)
    expect(run.exchanges.map((e) => e.request.url)).toEqual([
      `https://convertro.test:${address.port}/api/user/acme/1/?${QUERY}`
    ])
    expect(received).toEqual([
      { method: 'GET', url: `/api/user/acme/1/?${QUERY}`, host: `convertro.test:${address.port}` }
    ])
    expect(other.received).toEqual([])
  })

  it('takes every call of a batch at once, though actions-core destroys the agent after each answer', async () => {
    const { address, received } = await collector()
    const { definition } = await loadServerDestination({ agent: new CollectorAgent(() => address) })
    const payload = Array.from({ length: 10 }, (_, i) => ({ ...SAMPLE_EVENTS.identifyUser, userId: `user-${i}` }))
    const events = payload as unknown as JSONObject[]
    const run = await runAction(definition, 'identifyUser', {
      payload: events,
      settings: { ...SETTINGS, domain: 'convertro.test' },
      mapping: { enable_batching: true }
    })
    expect((run.multistatus as { status: number }[]).map((entry) => entry.status)).toEqual(payload.map(() => 200))
    expect(received.map((r) => new URLSearchParams(r.url?.split('?')[1]).get('id')).sort()).toEqual(
      payload.map((event) => event.userId).sort()
    )
  })

  it('fails a call to convertro.test when no collector was named, as a call that reached nothing', async () => {
    const run = await identify(new CollectorAgent(), 'convertro.test')
    expect(run.exchanges).toEqual([])
    expect(run.error).toMatchObject({ name: 'RetryableError', retryable: true })
    expect(run.error?.message).toMatch(/^Could not reach Convertro: .*no collector was named for convertro\.test/)
  })

  it('connects any other host over TLS, as Node does', async () => {
    // A plain TCP server: what arrives first is the TLS handshake's ClientHello (a record of type 22).
    const first: number[] = []
    const server = net.createServer((socket) =>
      socket.once('data', (chunk) => (first.push(chunk[0]), socket.destroy()))
    )
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const failure = await new Promise<Error>((resolve) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/', agent: new CollectorAgent() }, () => undefined)
      req.on('error', resolve)
      req.end()
    })
    // The server hung up on the handshake it was sent.
    expect(failure.message).toMatch(/socket hang up|ECONNRESET|disconnected/)
    expect(first).toEqual([0x16])
  })

  it('leaves a public host to the destination: the call goes to that host, over https', async () => {
    const origin = 'https://acme.sp1.convertro.com'
    const scope = nock(origin).get('/api/user/acme/1/').query(new URLSearchParams(QUERY)).reply(200)
    const run = await identify(new CollectorAgent(), 'acme.sp1.convertro.com')
    expect(run.exchanges.map((e) => [e.request.url, e.response.statusCode])).toEqual([
      [`${origin}/api/user/acme/1/?${QUERY}`, 200]
    ])
    expect(scope.isDone()).toBe(true)
  })
})

describe('collectorAddress', () => {
  it.each([
    ['http://127.0.0.1:3000', { host: '127.0.0.1', port: 3000 }],
    ['http://localhost:3100/', { host: 'localhost', port: 3100 }],
    ['http://[::1]:3000', { host: '::1', port: 3000 }],
    ['http://127.0.0.1', { host: '127.0.0.1', port: 80 }]
  ])('reads %s', (url, address) => {
    expect(collectorAddress(url)).toEqual(address)
  })

  it.each(['convertro.test', '127.0.0.1:3000', 'https://127.0.0.1:3000', 'http://127.0.0.1:3000/api', 'http://u@h:1'])(
    'refuses %s, saying what it takes',
    (url) => {
      expect(() => collectorAddress(url)).toThrow(
        `--collector ${url} is not a local server's URL: give its http address and port, e.g. http://127.0.0.1:3000`
      )
    }
  )
})
