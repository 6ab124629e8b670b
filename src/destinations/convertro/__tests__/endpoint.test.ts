import { IntegrationError, RetryableError } from '@segment/actions-core'
import { parseDomain, resolveEndpoint } from '../endpoint'
import { SETTINGS } from './__helpers__/helpers'

describe('Convertro domain setting', () => {
  it.each([
    ['acme.sp1.convertro.com', 'https://acme.sp1.convertro.com'],
    ['ACME.sp1.Convertro.com', 'https://acme.sp1.convertro.com'],
    ['https://acme.sp1.convertro.com/', 'https://acme.sp1.convertro.com'],
    ['https://acme.sp1.convertro.com', 'https://acme.sp1.convertro.com'],
    ['HTTPS://acme.sp1.convertro.com/', 'https://acme.sp1.convertro.com'],
    ['acme.sp1.convertro.com/', 'https://acme.sp1.convertro.com'],
    ['acme.sp1.convertro.com:8443', 'https://acme.sp1.convertro.com:8443'],
    ['https://acme.sp1.convertro.com:443/', 'https://acme.sp1.convertro.com'],
    ['collector-1.example', 'https://collector-1.example'],
    ['collector.test', 'https://collector.test']
  ])('accepts %p as %p', (domain, origin) => {
    expect(parseDomain(domain)).toBe(origin)
  })

  it.each([
    ['a path', 'acme.sp1.convertro.com/api', /path, query or fragment/],
    ['a path after a pasted URL', 'https://acme.sp1.convertro.com/x/', /path, query or fragment/],
    ['a query', 'acme.sp1.convertro.com?x=1', /path, query or fragment/],
    ['a fragment', 'acme.sp1.convertro.com#x', /path, query or fragment/],
    ['user info', 'acme.sp1.convertro.com@evil.com', /user info/],
    ['user info with a fragment', 'a.com#@evil.com', /path, query or fragment/],
    ['user info in a URL', 'https://user:pw@acme.sp1.convertro.com/', /user info/],
    ['a backslash', 'a.com\\evil.com', /not a valid host name/],
    ['an encoded slash', 'a.com%2F..', /not a valid host name/],
    ['leading whitespace', ' acme.sp1.convertro.com', /whitespace/],
    ['trailing whitespace', 'acme.sp1.convertro.com ', /whitespace/],
    ['a newline', 'acme.sp1.convertro.com\nevil.com', /whitespace/],
    ['a tab inside', 'acme.sp1.\tconvertro.com', /whitespace/],
    ['a trailing dot', 'acme.sp1.convertro.com.', /not a valid host name/],
    ['an empty label', 'acme..convertro.com', /not a valid host name/],
    ['a unicode homoglyph', 'аcme.sp1.convertro.com', /not a valid host name/],
    ['an underscore', 'acme_1.convertro.com', /not a valid host name/],
    ['a number the URL parser turns into a public IP address', '134744072', /canonical/],
    ['a hex spelling of a public IP address', '0x8.0x8.0x8.0x8', /canonical/],
    ['a number the URL parser turns into a non-public address', '1234', /not a public host/],
    ['a hex loopback address', '0x7f.1', /not a public host/],
    ['localhost', 'localhost:3000', /not a public host/],
    ['http to a public host', 'http://acme.sp1.convertro.com', /https only/],
    ['http to loopback', 'http://127.0.0.1:3000/', /https only/],
    ['http to localhost', 'http://localhost:3000', /https only/],
    ['another scheme', 'ftp://acme.sp1.convertro.com', /https only/],
    ['a scheme with nothing after it', 'https://', /not a valid host name/],
    ['a port out of range', 'acme.sp1.convertro.com:70000', /port/],
    ['port zero', 'acme.sp1.convertro.com:0', /port/],
    ['an empty port', 'acme.sp1.convertro.com:', /not a valid host name/],
    ['a malformed IPv6 address', '[::1', /not a valid host name/],
    ['a non-string', 42, /host name such as/]
  ])('rejects %s (%p), non-retryably, naming the setting', (_, domain, why) => {
    let error: unknown
    try {
      parseDomain(domain)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(IntegrationError)
    expect(error).not.toBeInstanceOf(RetryableError)
    expect(error).toMatchObject({ status: 400, code: 'INVALID_SETTINGS' })
    expect((error as Error).message).toMatch(/^The "domain" setting .* is invalid: /)
    expect((error as Error).message).toMatch(why)
  })
})

describe('Convertro endpoint from settings', () => {
  it('resolves origin and path segments', () => {
    expect(resolveEndpoint(SETTINGS)).toEqual({ origin: 'https://acme.sp1.convertro.com', path: '/acme/1234/' })
  })

  it('percent-encodes each path segment', () => {
    expect(resolveEndpoint({ ...SETTINGS, clientName: 'acme corp/eu?#', siteId: '%2e%2e' }).path).toBe(
      '/acme%20corp%2Feu%3F%23/%252e%252e/'
    )
  })

  it('rejects a value that cannot be encoded, non-retryably, naming the setting', () => {
    let error: unknown
    try {
      resolveEndpoint({ ...SETTINGS, siteId: 'site\uD800' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(IntegrationError)
    expect(error).not.toBeInstanceOf(RetryableError)
    expect(error).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^The "siteId" setting is not valid text/)
    })
  })

  it.each([
    [{ clientName: '' }, 'Missing required setting: clientName.'],
    [{ siteId: undefined }, 'Missing required setting: siteId.'],
    [{ domain: '' }, 'Missing required setting: domain.'],
    [{ clientName: '', siteId: '', domain: '' }, 'Missing required settings: clientName, siteId, domain.'],
    [{ clientName: '   ' }, 'Missing required setting: clientName.']
  ])('rejects %p: %s', (overrides, message) => {
    expect(() => resolveEndpoint({ ...SETTINGS, ...overrides } as typeof SETTINGS)).toThrow(message)
  })

  it.each([
    ['clientName', {}],
    ['siteId', ['1234']]
  ])('rejects %s = %p, which is not text, non-retryably', (key, value) => {
    expect(() => resolveEndpoint({ ...SETTINGS, [key]: value })).toThrow(
      expect.objectContaining({ status: 400, code: 'INVALID_SETTINGS', message: `The "${key}" setting must be text.` })
    )
  })

  it('reads a numeric site id as its text', () => {
    expect(resolveEndpoint({ ...SETTINGS, siteId: 1234 as unknown as string }).path).toBe('/acme/1234/')
  })

  it.each([
    ['clientName', '.'],
    ['clientName', '..'],
    ['siteId', '..']
  ])('rejects %s = %p, which would change the path', (key, value) => {
    expect(() => resolveEndpoint({ ...SETTINGS, [key]: value })).toThrow(
      `The "${key}" setting cannot be "${value}": it would change the request path.`
    )
  })
})
