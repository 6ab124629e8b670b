import { Analytics } from '@segment/analytics-node'
import type { IdentifyParams, TrackParams } from '@segment/analytics-node'
import { convertroRequest, outcomes, serveTrackingApi, sortedRequests } from './helpers'
import type { ConvertroRequest, TrackingServer } from './helpers'

// Two server processes and Segment's own Node SDK sending to them: slow to start on a busy machine.
jest.setTimeout(60_000)

const SETTINGS = { account: 'acme', clientName: 'acme', siteId: '1' }
const DEVICE = 'c0ffee00-1234-4abc-8def-0123456789ab'
const AT = '2024-03-05T10:20:30.999Z'
const CONTEXT = { device: { id: DEVICE }, ip: '203.0.113.7', userAgent: 'AcmeShop/4.2 (server)' }
// The device context every call carries; `ts` is the event time in whole seconds, truncated.
const COMMON = { sid: DEVICE, ts: '1709634030', cip: '203.0.113.7', cua: 'AcmeShop/4.2 (server)' }

const call = (kind: string, extra: Record<string, string>): ConvertroRequest => ({
  path: `/api/${kind}/acme/1/`,
  query: { ...COMMON, ...extra }
})
const sales = (eid: string, val: string, types: string[]) => types.map((typ) => call('hit', { typ, val, eid }))

type Sent = { call: 'identify'; params: IdentifyParams } | { call: 'track'; params: TrackParams }

interface Case {
  sent: Sent
  status: 'sent' | 'skipped' | 'failed'
  reason?: string
  /** The Convertro calls the event makes, in order, under each attribution model. */
  calls(hybrid: boolean): ConvertroRequest[]
}

const identify = (messageId: string, params: Omit<IdentifyParams, 'messageId'>): Sent => ({
  call: 'identify',
  params: { ...params, messageId, timestamp: AT, context: CONTEXT } as IdentifyParams
})
const track = (messageId: string, params: Omit<TrackParams, 'messageId' | 'userId'>): Sent => ({
  call: 'track',
  params: { userId: 'user-1024', timestamp: AT, context: CONTEXT, ...params, messageId } as TrackParams
})

const CASES: Case[] = [
  {
    sent: identify('node-identify-known', { userId: 'user-1024', traits: { email: 'ada@example.com' } }),
    status: 'sent',
    calls: () => [call('user', { id: 'user-1024' })]
  },
  {
    sent: identify('node-identify-anonymous', { anonymousId: 'anon-7', traits: { plan: 'free' } }),
    status: 'failed',
    reason:
      "The mapped event does not fit the action's fields: The root value is missing the required field 'user_id'. Segment would not retry it.",
    calls: () => []
  },
  {
    sent: track('node-track-revenue', { event: 'Signed Up', properties: { revenue: 12.5 } }),
    status: 'sent',
    calls: () => [call('hit', { typ: 'Signed Up', val: '12.5' })]
  },
  {
    sent: track('node-track-plain', { event: 'Viewed Catalog' }),
    status: 'sent',
    calls: () => [call('hit', { typ: 'Viewed Catalog', val: '1' })]
  },
  {
    sent: track('node-order-repeat', {
      event: 'Order Completed',
      properties: { order_id: 'order-1', total: 50.99, revenue: 45, repeat: true }
    }),
    status: 'sent',
    calls: (hybrid) => sales('order-1', '50.99', hybrid ? ['sale.repeat', 'sale'] : ['sale.repeat'])
  },
  {
    sent: track('node-order-new', {
      event: 'Order Completed',
      properties: { order_id: 'order-2', revenue: 20, repeat: false }
    }),
    status: 'sent',
    calls: (hybrid) => sales('order-2', '20', hybrid ? ['sale.new', 'sale'] : ['sale.new'])
  },
  {
    sent: track('node-order-unknown', { event: 'Order Completed', properties: { order_id: 'order-3', total: 5 } }),
    status: 'sent',
    calls: () => sales('order-3', '5', ['sale'])
  },
  {
    sent: track('node-app-installed', {
      event: 'Application Installed',
      context: { ...CONTEXT, app: { name: 'Acme Shop', version: '4.2.0' } }
    }),
    status: 'sent',
    calls: () => [call('install', { app: 'Acme Shop', apv: '4.2.0' })]
  },
  {
    sent: track('node-track-opted-out', { event: 'Signed Up', integrations: { Convertro: false } }),
    status: 'skipped',
    reason: 'integrations.Convertro is false',
    calls: () => []
  }
]

const idOf = (sent: Sent) => sent.params.messageId as string

/** Sends one event; resolves once the SDK delivered it, with its delivery error if any. */
function send(analytics: Analytics, sent: Sent): Promise<unknown> {
  return new Promise((resolve) => {
    if (sent.call === 'identify') analytics.identify(sent.params, resolve)
    else analytics.track(sent.params, resolve)
  })
}

describe('Segment’s Node SDK (analytics-node) sending to serve', () => {
  const servers: Record<'standard' | 'hybrid', TrackingServer> = {} as never

  beforeAll(async () => {
    ;[servers.standard, servers.hybrid] = await Promise.all([
      serveTrackingApi({ ...SETTINGS, hybridAttributionModel: false }, 'node-write-key'),
      serveTrackingApi({ ...SETTINGS, hybridAttributionModel: true }, 'node-write-key')
    ])
  })

  afterAll(async () => {
    await Promise.all(Object.values(servers).map((server) => server?.stop()))
  })

  const sdk = (server: TrackingServer, options: { writeKey?: string; flushAt: number }) =>
    new Analytics({
      writeKey: options.writeKey ?? server.writeKey,
      host: server.origin,
      flushAt: options.flushAt,
      flushInterval: 50,
      maxRetries: 0,
      httpRequestTimeout: 5_000
    })

  it.each([
    ['standard', 'one event a request', false, 1],
    ['hybrid', 'all events in one batch', true, 100]
  ] as const)(
    'routes every event under the %s attribution model (%s) to exactly its Convertro calls',
    async (model, _how, hybrid, flushAt) => {
      const server = servers[model]
      const analytics = sdk(server, { flushAt })
      const errors: unknown[] = []
      analytics.on('error', (error) => errors.push(error))
      const delivered = CASES.map(({ sent }) => send(analytics, sent))
      await analytics.closeAndFlush({ timeout: 10_000 })
      expect(await Promise.all(delivered)).toEqual(CASES.map(() => undefined))
      expect(errors).toEqual([])

      const view = await server.settled(CASES.length)
      expect(view.counts).toEqual({ accepted: 9, duplicates: 0, sent: 7, skipped: 1, failed: 1, pending: 0 })
      expect(outcomes(view)).toEqual(
        Object.fromEntries(
          CASES.map(({ sent, status, reason, calls }) => [idOf(sent), { status, reason, calls: calls(hybrid) }])
        )
      )

      // What reached Convertro: exactly these calls, nothing more; events run concurrently, so in any order.
      const recorded = server.convertro.paths.map(convertroRequest)
      expect(sortedRequests(recorded)).toEqual(sortedRequests(CASES.flatMap(({ calls }) => calls(hybrid))))
      // The attribution table, as Convertro received each order's calls: the specific sale type first.
      const typesOf = (eid: string) => recorded.filter((r) => r.query.eid === eid).map((r) => r.query.typ)
      expect(['order-1', 'order-2', 'order-3'].map(typesOf)).toEqual(
        hybrid ? [['sale.repeat', 'sale'], ['sale.new', 'sale'], ['sale']] : [['sale.repeat'], ['sale.new'], ['sale']]
      )
    }
  )

  it('refuses a wrong write key: the SDK reports the 401 and nothing is accepted', async () => {
    const server = servers.standard
    const before = await server.view()
    const sentBefore = server.convertro.paths.length
    const analytics = sdk(server, { writeKey: 'not-the-write-key', flushAt: 1 })
    const errors: { code: string; reason?: unknown }[] = []
    analytics.on('error', (error) => errors.push(error))
    const delivered = send(analytics, track('node-wrong-key', { event: 'Signed Up', properties: { revenue: 3 } }))
    await analytics.closeAndFlush({ timeout: 10_000 })

    expect(String(await delivered)).toBe('Error: [401] Unauthorized')
    expect(errors.map(({ code, reason }) => ({ code, reason: String(reason) }))).toEqual([
      { code: 'delivery_failure', reason: 'Error: [401] Unauthorized' }
    ])
    const after = await server.view()
    expect(after.counts).toEqual(before.counts)
    expect(after.events.map((event) => event.id)).not.toContain('node-wrong-key')
    expect(server.convertro.paths).toHaveLength(sentBefore)
  })
})
