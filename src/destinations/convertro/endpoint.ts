import { BlockList, isIPv4, isIPv6 } from 'net'
import { IntegrationError } from '@segment/actions-core'
import type { Settings } from './generated-types'
import type { CallKind } from './call'
import { isBlank, isDotSegment } from '../../shared/convertro-rules'

// Settings → endpoint: where an event's calls go, or the settings error that stops them all.

/** Non-retryable: a settings problem does not fix itself on a retry. */
export class InvalidSettingsError extends IntegrationError {
  constructor(message: string) {
    super(message, 'INVALID_SETTINGS', 400)
  }
}

/** Where calls go, resolved from the settings. */
export interface Endpoint {
  /** `https://host[:port]`. */
  origin: string
  /** `/{clientName}/{siteId}/`, each segment percent-encoded. */
  path: string
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'i')
const IPV6 = /^\[[0-9a-f:.]+\]$/i
// scheme://authority with at most a bare trailing slash: anything after it is a path, query or fragment.
const DOMAIN = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/?#]*)\/?$/i

/** IPv4 networks that are not public. */
const IPV4_NOT_PUBLIC = [
  ['0.0.0.0', 8], // unspecified, "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12], // private
  ['192.168.0.0', 16], // private
  ['224.0.0.0', 4] // multicast
] as const

/** An IPv4 address as the two 16-bit groups of an IPv6 address that embeds it. */
function ipv4Groups(address: string): string {
  const [a, b, c, d] = address.split('.').map(Number)
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
}

/**
 * Addresses that are not public: the destination runs in Segment's infrastructure, where they would reach
 * Segment's own network. IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) match their IPv4 range, and so do the
 * IPv6 addresses a translator turns into the IPv4 address they embed: NAT64 (`64:ff9b::127.0.0.1`) and 6to4
 * (`2002:7f00:1::`).
 */
const NOT_PUBLIC = new BlockList()
for (const [network, prefix] of IPV4_NOT_PUBLIC) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4')
  NOT_PUBLIC.addSubnet(`64:ff9b::${ipv4Groups(network)}`, 96 + prefix, 'ipv6')
  NOT_PUBLIC.addSubnet(`2002:${ipv4Groups(network)}::`, 16 + prefix, 'ipv6')
}
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback (::1), and the deprecated IPv4-compatible addresses (::127.0.0.1)
  ['64:ff9b:1::', 48], // NAT64 for a network's own use
  ['2001::', 32], // Teredo: a tunnel to an IPv4 address the address hides
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8] // multicast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6')
}

/** A host the URL parser gave (IPv6 in brackets) that names this machine or a private network. */
function isNotPublic(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true
  const address = hostname.replace(/^\[(.*)\]$/, '$1')
  if (isIPv6(address)) return NOT_PUBLIC.check(address, 'ipv6')
  return isIPv4(address) && NOT_PUBLIC.check(address, 'ipv4')
}

/**
 * The origin (`https://host[:port]`) for the `domain` setting. Only a bare public host name (optionally with
 * a port, an `https://` prefix and a trailing slash) is accepted: anything that could make the URL parser
 * resolve to another host or path, and any address that is not public, is rejected rather than repaired.
 *
 * This is the whole check, for every spelling; `parseDomain` answers the common spelling without it.
 */
export function checkDomain(domain: unknown): string {
  const invalid = (why: string) =>
    new InvalidSettingsError(`The "domain" setting ${JSON.stringify(domain)} is invalid: ${why}.`)
  if (typeof domain !== 'string') throw invalid('it must be a host name such as acme.sp1.convertro.com')
  if (/\s/.test(domain)) throw invalid('it must not contain whitespace')
  const match = DOMAIN.exec(domain)
  if (!match) throw invalid('it must be a host name only, without a path, query or fragment')
  const [, scheme = 'https', authority] = match
  if (scheme.toLowerCase() !== 'https') throw invalid('calls go over https only')
  if (authority.includes('@')) throw invalid('it must not contain user info')

  const [, host, port] = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(authority) ?? []
  if (host === undefined || !(HOSTNAME.test(host) || IPV6.test(host))) throw invalid('it is not a valid host name')
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw invalid('the port is out of range')

  let url: URL
  try {
    url = new URL(`https://${authority}/`)
  } catch {
    throw invalid('it is not a valid host name')
  }
  // Judged by the host the URL parser resolves, so that every spelling of an address (`127.1`, `2130706433`) counts.
  if (isNotPublic(url.hostname)) {
    throw invalid('it is not a public host (loopback, private and link-local addresses and localhost are refused)')
  }
  // The URL parser rewrites some names (`1234` becomes `0.0.4.210`): only a name that stays itself is safe.
  if (!IPV6.test(host) && url.hostname !== host.toLowerCase()) throw invalid('it is not a canonical host name')
  return url.origin
}

// A lowercase host name, without scheme, port or slash, whose last label starts with a letter: the shape nearly
// every `domain` setting has. The URL parser leaves such a name as it is (no label starts with `xn--`, so there
// is no punycode to decode, and a last label that starts with a letter is not a number, so the name is no IPv4
// address in any spelling), so `checkDomain` would accept it unchanged unless it is localhost or under it.
const PLAIN_HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/**
 * The origin for the `domain` setting, accepting and refusing exactly what `checkDomain` does. It runs for every
 * event (settings are not cached: a worker serves many customers), so the common spelling is answered without
 * the URL parser and the address checks, which cost more per event than the rest of the destination's own work.
 */
export function parseDomain(domain: unknown): string {
  if (
    typeof domain === 'string' &&
    PLAIN_HOST.test(domain) &&
    !domain.includes('xn--') &&
    domain !== 'localhost' &&
    !domain.endsWith('.localhost')
  ) {
    return `https://${domain}`
  }
  return checkDomain(domain)
}

/** Throws a non-retryable error naming every one of these settings that is missing (an empty string is missing). */
export function requireSettings(settings: Settings, keys: readonly (keyof Settings)[]): void {
  const missing = keys.filter((key) => isBlank(settings[key]))
  if (missing.length > 0) {
    throw new InvalidSettingsError(`Missing required setting${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}.`)
  }
}

/** A setting as one percent-encoded path segment; `.` and `..` would be resolved away by URL parsers. */
function pathSegment(key: 'clientName' | 'siteId', setting: unknown): string {
  // A number or boolean has a text form, as actions-core's settings validation would give it; an object has none.
  if (typeof setting === 'object') throw new InvalidSettingsError(`The "${key}" setting must be text.`)
  const value = String(setting)
  if (isDotSegment(value)) {
    throw new InvalidSettingsError(`The "${key}" setting cannot be "${value}": it would change the request path.`)
  }
  try {
    return encodeURIComponent(value)
  } catch {
    throw new InvalidSettingsError(`The "${key}" setting is not valid text (it contains an unpaired surrogate).`)
  }
}

/** Where calls for these settings go. Throws a non-retryable error naming every missing or invalid setting. */
export function resolveEndpoint(settings: Settings): Endpoint {
  requireSettings(settings, ['clientName', 'siteId', 'domain'])
  const path = `/${pathSegment('clientName', settings.clientName)}/${pathSegment('siteId', settings.siteId)}/`
  return { origin: parseDomain(settings.domain), path }
}

/** The URL of a call, without its query. */
export function callUrl(endpoint: Endpoint, kind: CallKind): string {
  return `${endpoint.origin}/api/${kind}${endpoint.path}`
}
