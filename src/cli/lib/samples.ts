import type { SegmentEvent } from '@segment/actions-core'

/** Settings a newcomer can send with: no domain, so calls land in the local collector. */
export const SAMPLE_SETTINGS = { account: 'acme', clientName: 'acme', siteId: '1' }

const context: SegmentEvent['context'] = {
  device: { id: '3f1b2c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d', type: 'ios' },
  ip: '203.0.113.7',
  userAgent:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  app: { name: 'Acme Shop', version: '4.2.0', build: '420' }
}

const base = { messageId: 'sample-message-1', timestamp: '2024-03-05T10:20:30.999Z', anonymousId: 'anon-5c6d', context }

/** A realistic event for each action, as Segment would deliver it. */
export const SAMPLE_EVENTS: Record<string, SegmentEvent> = {
  identifyUser: {
    ...base,
    type: 'identify',
    userId: 'user-1024',
    traits: { email: 'ada@example.com', plan: 'premium' }
  },
  trackEvent: {
    ...base,
    type: 'track',
    event: 'Signed Up',
    userId: 'user-1024',
    properties: { plan: 'premium', revenue: 12.5 }
  },
  orderCompleted: {
    ...base,
    type: 'track',
    event: 'Order Completed',
    userId: 'user-1024',
    properties: { order_id: 'order-5001', total: 50.99, revenue: 45, currency: 'USD', repeat: true }
  },
  appInstalled: {
    ...base,
    type: 'track',
    event: 'Application Installed',
    properties: { version: '4.2.0', build: '420' }
  }
}
