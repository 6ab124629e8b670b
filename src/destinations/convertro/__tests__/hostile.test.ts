import nock from 'nock'
import { IntegrationError, RetryableError, createTestIntegration } from '@segment/actions-core'
import Destination from '../index'
import type { Settings } from '../generated-types'
import { socketOrigin } from './__helpers__/socket-origin'
import { SETTINGS, TS, testEvent } from './__helpers__/helpers'

// Settings that try to move a call to another host or path. Each is either normalised as the README says, and
// the call goes exactly there, or rejected with a non-retryable error naming the setting, and nothing is sent.
// Every host is intercepted, so a request anywhere else would be recorded, not lost.

const testDestination = createTestIntegration(Destination)

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

async function identify(overrides: Partial<Record<keyof Settings, unknown>>) {
  const urls = anyHost()
  const result = await testDestination
    .testAction('identifyUser', {
      event: testEvent({ type: 'identify', userId: 'user-42' }),
      settings: { ...SETTINGS, ...overrides } as Settings,
      useDefaultMappings: true
    })
    .then(
      () => undefined,
      (error: unknown) => error
    )
  return { urls, error: result }
}

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
  ['10.0.0.1', 'https://10.0.0.1'],
  ['[::1]', 'https://[::1]'],
  ['[::ffff:10.0.0.1]', 'https://[::ffff:a00:1]'],
  ['http://localhost:3000', 'http://localhost:3000'],
  ['http://127.0.0.1', 'http://127.0.0.1'],
  ['http://[::1]:3000/', 'http://[::1]:3000'],
  ['http://[0:0:0:0:0:0:0:1]', 'http://[::1]']
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
  ['http://10.0.0.1', /http:\/\/ is only allowed/],
  ['http://169.254.169.254/', /http:\/\/ is only allowed/],
  ['http://localhost.evil.com', /http:\/\/ is only allowed/],
  ['http://[::ffff:127.0.0.1]', /http:\/\/ is only allowed/],
  ['http://0x7f000001', /canonical/],
  ['2130706433', /canonical/],
  ['0177.0.0.1', /canonical/],
  ['127.1', /canonical/],
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
  ['ftp://acme.com', /only https:\/\//],
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
