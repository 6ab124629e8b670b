import nock from 'nock'
import { IntegrationError, RetryableError, createRequestClient, createTestIntegration } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import Destination from '../index'
import type { Settings } from '../generated-types'
import { socketOrigin } from './__helpers__/socket-origin'
import { SETTINGS, TS, expected, parseCall, testEvent } from './__helpers__/helpers'
import type { RecordedCall } from './__helpers__/helpers'

// Settings that try to move a call to another host or path. Each is either normalised as docs/contract.md says, and
// the call goes exactly there, or rejected with a non-retryable error naming the setting, and nothing is sent.
// Every host is intercepted, so a request anywhere else would be recorded, not lost.

const testDestination = createTestIntegration(Destination)

type ActionKey = keyof typeof Destination.actions

/** Every request made, to any host, as the URL the socket was opened for. */
function anyHost(): string[] {
  const urls: string[] = []
  nock(/.*/)
    .persist()
    .get(() => true)
    .reply(function (uri) {
      urls.push(`${socketOrigin(this.req)}${uri}`)
      return [200, 'OK']
    })
  return urls
}

/** Runs an event through an action with these settings: every request it made, and its error if it failed. */
async function run(action: ActionKey, event: SegmentEvent, overrides: Partial<Record<keyof Settings, unknown>>) {
  const urls = anyHost()
  const result = await testDestination
    .testAction(action, {
      event,
      settings: { ...SETTINGS, ...overrides } as Settings,
      useDefaultMappings: true
    })
    .then(
      () => undefined,
      (error: unknown) => error
    )
  return { urls, error: result }
}

const identify = (overrides: Partial<Record<keyof Settings, unknown>>) =>
  run('identifyUser', testEvent({ type: 'identify', userId: 'user-42' }), overrides)

const QUERY = `?sid=device-1&ts=${TS}&cua=UA%2F1.0&cip=203.0.113.7&id=user-42`

/** The rejection every invalid setting gets: final, INVALID_SETTINGS, naming the setting. */
function expectRejected(error: unknown, key: string, why: RegExp) {
  expect(error).toBeInstanceOf(IntegrationError)
  expect(error).not.toBeInstanceOf(RetryableError)
  expect(error).toMatchObject({ status: 400, code: 'INVALID_SETTINGS' })
  expect((error as Error).message).toContain(`"${key}"`)
  expect((error as Error).message).toMatch(why)
}

const ACCEPTED_DOMAINS: [string, string][] = [
  ['acme.sp1.convertro.com', 'https://acme.sp1.convertro.com'],
  ['https://acme.sp1.convertro.com/', 'https://acme.sp1.convertro.com'],
  ['HTTPS://ACME.sp1.Convertro.com', 'https://acme.sp1.convertro.com'],
  ['acme.sp1.convertro.com:443', 'https://acme.sp1.convertro.com'],
  ['acme.sp1.convertro.com:8443/', 'https://acme.sp1.convertro.com:8443'],
  ['evil.com/', 'https://evil.com'],
  ['xn--cme-8cd.com', 'https://xn--cme-8cd.com'],
  ['8.8.8.8', 'https://8.8.8.8'],
  ['[2606:4700:4700::1111]', 'https://[2606:4700:4700::1111]'],
  ['[2606:4700:4700:0:0:0:0:1111]', 'https://[2606:4700:4700::1111]']
]

const REJECTED_DOMAINS: [string, RegExp][] = [
  ['acme.sp1.convertro.com/evil.com', /path, query or fragment/],
  ['//evil.com', /path, query or fragment/],
  ['a.com@evil.com', /user info/],
  ['https://a.com@evil.com/', /user info/],
  ['a.com:pw@evil.com', /user info/],
  ['a.com#@evil.com', /path, query or fragment/],
  ['a.com?@evil.com', /path, query or fragment/],
  ['a.com\\evil.com', /not a valid host name/],
  ['a.com\\@evil.com', /user info/],
  ['https:\\\\evil.com', /not a valid host name/],
  ['https:evil.com', /not a valid host name/],
  ['https:/evil.com', /path, query or fragment/],
  ['a.com%2F..', /not a valid host name/],
  ['a.com%40evil.com', /not a valid host name/],
  ['http://localhost.evil.com', /https only/],
  ['134744072', /canonical/],
  ['[fe80::1%25eth0]', /not a valid host name/],
  ['[::1', /not a valid host name/],
  ['::1', /not a valid host name/],
  ['acme.sp1.convertro.com.', /not a valid host name/],
  ['acme.sp1.convertro.com..', /not a valid host name/],
  [' acme.sp1.convertro.com', /whitespace/],
  ['acme.sp1.convertro.com ', /whitespace/],
  ['acme.sp1.convertro.com\n', /whitespace/],
  ['acme.sp1.convertro.com\r\nHost: evil.com', /whitespace/],
  ['acme\t.com', /whitespace/],
  ['\u00a0acme.com', /whitespace/],
  ['acme.com\u2028', /whitespace/],
  ['аcme.sp1.convertro.com', /not a valid host name/],
  ['acme.sp1.convertrо.com', /not a valid host name/],
  ['ａｃｍｅ.com', /not a valid host name/],
  ['acme。com', /not a valid host name/],
  ['acme\u200b.com', /not a valid host name/],
  ['acme_1.com', /not a valid host name/],
  [`${'a'.repeat(64)}.com`, /not a valid host name/],
  ['acme.com:0', /port/],
  ['acme.com:65536', /port/],
  ['acme.com:-1', /not a valid host name/],
  ['acme.com:80:80', /not a valid host name/],
  ['ftp://acme.com', /https only/],
  ['javascript:alert(1)', /not a valid host name/],
  ['file:///etc/passwd', /path, query or fragment/],
  ['data:text/plain,x', /path, query or fragment/]
]

const ENCODED_SEGMENTS: [string, string][] = [
  ['../', '..%2F'],
  ['%2e%2e', '%252e%252e'],
  ['.%2e', '.%252e'],
  ['...', '...'],
  ['/', '%2F'],
  ['?', '%3F'],
  ['#', '%23'],
  ['\\', '%5C'],
  ['..\\', '..%5C'],
  ['%', '%25'],
  ['a b', 'a%20b'],
  ['\u0000', '%00'],
  ['ü', '%C3%BC'],
  ['@evil.com', '%40evil.com']
]

const REJECTED_SEGMENTS: [unknown, RegExp][] = [
  ['.', /would change the request path/],
  ['..', /would change the request path/],
  ['\uD800', /not valid text/],
  [{}, /must be text/],
  ['', /Missing required setting/],
  ['\n', /Missing required setting/]
]

const NOT_PUBLIC = /it is not a public host/

/**
 * Where calls go for a `domain` setting (docs/contract.md, "Settings"): the origin of a public host, or why the setting is
 * refused. Calls go over https only, and never to an address that is not public, however it is spelt.
 */
const PUBLIC_HOSTS_ONLY: [domain: string, outcome: string | RegExp][] = [
  ['https://acme.sp1.convertro.com:8443/', 'https://acme.sp1.convertro.com:8443'],
  // Just past the ranges that are refused.
  ['172.32.0.1', 'https://172.32.0.1'],
  ['100.128.0.1', 'https://100.128.0.1'],
  ['http://acme.sp1.convertro.com', /https only/],
  ['http://127.0.0.1:3000', /https only/],
  // Loopback, in every spelling the URL parser reads as 127.0.0.1 or ::1.
  ['127.0.0.1', NOT_PUBLIC],
  ['127.1', NOT_PUBLIC],
  ['2130706433', NOT_PUBLIC],
  ['0x7f000001', NOT_PUBLIC],
  ['0177.0.0.1', NOT_PUBLIC],
  ['127.255.255.254:8443', NOT_PUBLIC],
  ['[::1]', NOT_PUBLIC],
  ['[0:0:0:0:0:0:0:1]', NOT_PUBLIC],
  ['[::ffff:127.0.0.1]', NOT_PUBLIC],
  ['[0:0:0:0:0:ffff:7f00:1]', NOT_PUBLIC],
  // Private.
  ['10.0.0.1', NOT_PUBLIC],
  ['172.16.0.1', NOT_PUBLIC],
  ['172.31.255.255', NOT_PUBLIC],
  ['192.168.1.1', NOT_PUBLIC],
  ['100.64.0.1', NOT_PUBLIC],
  ['[::ffff:10.0.0.1]', NOT_PUBLIC],
  // Link-local.
  ['169.254.169.254', NOT_PUBLIC],
  ['[fe80::1]', NOT_PUBLIC],
  // Unique-local.
  ['[fd00::1]', NOT_PUBLIC],
  ['[fc00::1]', NOT_PUBLIC],
  // Unspecified.
  ['0.0.0.0', NOT_PUBLIC],
  ['0', NOT_PUBLIC],
  ['[::]', NOT_PUBLIC],
  // Multicast.
  ['224.0.0.1', NOT_PUBLIC],
  ['[ff02::1]', NOT_PUBLIC],
  // IPv6 addresses a translator turns into an IPv4 address: refused when that address is not public.
  ['[64:ff9b::127.0.0.1]', NOT_PUBLIC],
  ['[64:ff9b::a00:1]', NOT_PUBLIC],
  ['[64:ff9b::a9fe:a9fe]', NOT_PUBLIC],
  ['[64:ff9b::8.8.8.8]', 'https://[64:ff9b::808:808]'],
  ['[2002:7f00:1::1]', NOT_PUBLIC],
  ['[2002:c0a8:101::]', NOT_PUBLIC],
  ['[2002:808:808::1]', 'https://[2002:808:808::1]'],
  ['[::127.0.0.1]', NOT_PUBLIC],
  ['[::808:808]', NOT_PUBLIC],
  ['[64:ff9b:1::808:808]', NOT_PUBLIC],
  ['[2001:0:4136:e378:8000:63bf:3fff:fdd2]', NOT_PUBLIC],
  ['[2001:4860:4860::8888]', 'https://[2001:4860:4860::8888]'],
  // This machine by name.
  ['localhost', NOT_PUBLIC],
  ['LOCALHOST', NOT_PUBLIC],
  ['foo.localhost', NOT_PUBLIC],
  ['https://localhost:3000/', NOT_PUBLIC]
]

/** An event for each action, and the call it makes to `acme.sp1.convertro.com`. */
const ACTION_EVENTS: Record<ActionKey, [SegmentEvent, RecordedCall]> = {
  identifyUser: [testEvent({ type: 'identify', userId: 'user-42' }), expected('user', { id: 'user-42' })],
  trackEvent: [testEvent({ type: 'track', event: 'Signed Up' }), expected('hit', { typ: 'Signed Up', val: '1' })],
  orderCompleted: [
    testEvent({ type: 'track', event: 'Order Completed', properties: { order_id: 'o-1' } }),
    expected('hit', { typ: 'sale', val: '1', eid: 'o-1' })
  ],
  appInstalled: [testEvent({ type: 'track', event: 'Application Installed' }), expected('install', {})]
}

describe('Convertro public hosts only', () => {
  beforeEach(() => {
    testDestination.responses = []
  })

  // The definition's own check, called as the runtime calls it (a custom scheme has no tokens): the runtime then
  // words any error it throws as "Credentials are invalid", which would hide whether it is the settings error.
  it.each(PUBLIC_HOSTS_ONLY)('testAuthentication takes domain %p as %p, sending nothing', async (domain, outcome) => {
    const urls = anyHost()
    const input = { settings: { ...SETTINGS, domain }, auth: { accessToken: '', refreshToken: '' } }
    let error: unknown
    try {
      await Destination.authentication?.testAuthentication?.(createRequestClient(), input)
    } catch (e) {
      error = e
    }
    if (outcome instanceof RegExp) expectRejected(error, 'domain', outcome)
    else expect(error).toBeUndefined()
    expect(urls).toEqual([])
  })

  describe.each(Object.keys(ACTION_EVENTS) as ActionKey[])('%s', (action) => {
    const [event, call] = ACTION_EVENTS[action]

    it.each(PUBLIC_HOSTS_ONLY)('takes domain %p as %p', async (domain, outcome) => {
      const { urls, error } = await run(action, event, { domain })
      const calls = urls.map((url) => parseCall('GET', new URL(url)))
      if (outcome instanceof RegExp) {
        expectRejected(error, 'domain', outcome)
        expect(calls).toEqual([])
      } else {
        expect(error).toBeUndefined()
        expect(calls).toEqual([{ ...call, origin: outcome }])
      }
    })
  })
})

describe('Convertro hostile settings', () => {
  beforeEach(() => {
    testDestination.responses = []
  })

  it.each(ACCEPTED_DOMAINS)('sends to domain %p at %s, and only there', async (domain, origin) => {
    const { urls, error } = await identify({ domain })
    expect(error).toBeUndefined()
    expect(urls).toEqual([`${origin}/api/user/acme/1234/${QUERY}`])
  })

  it.each(REJECTED_DOMAINS)('rejects domain %p and sends nothing', async (domain, why) => {
    const { urls, error } = await identify({ domain })
    expectRejected(error, 'domain', why)
    expect(urls).toEqual([])
  })

  describe.each(['clientName', 'siteId'] as const)('%s', (key) => {
    const path = (segment: string) =>
      key === 'clientName' ? `/api/user/${segment}/1234/` : `/api/user/acme/${segment}/`

    it.each(ENCODED_SEGMENTS)('sends %p as the one path segment %p', async (value, segment) => {
      const { urls, error } = await identify({ [key]: value })
      expect(error).toBeUndefined()
      expect(urls).toEqual([`https://acme.sp1.convertro.com${path(segment)}${QUERY}`])
    })

    it.each(REJECTED_SEGMENTS)('rejects %p and sends nothing', async (value, why) => {
      const { urls, error } = await identify({ [key]: value })
      expect(error).toBeInstanceOf(IntegrationError)
      expect(error).toMatchObject({ status: 400, code: 'INVALID_SETTINGS' })
      expect((error as Error).message).toContain(key)
      expect((error as Error).message).toMatch(why)
      expect(urls).toEqual([])
    })
  })
})
