import { IntegrationError } from '@segment/actions-core'
import type { Settings } from './generated-types'
import type { CallKind } from './call'
import { LOOPBACK_HOSTS } from './constants'
import { isBlank, isDotSegment } from '../../shared/convertro-rules'

// Settings → endpoint: where an event's calls go, or the settings error that stops them all.

/** Non-retryable: a settings problem does not fix itself on a retry. */
export class InvalidSettingsError extends IntegrationError {
  constructor(message: string) {
    super(message, 'INVALID_SETTINGS', 400)
  }
}

/** Where calls go, resolved once from the settings. */
export interface Endpoint {
  /** `https://host[:port]` (or `http://` for loopback hosts). */
  origin: string
  /** `/{clientName}/{siteId}/`, each segment percent-encoded. */
  path: string
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'i')
const IPV6 = /^\[[0-9a-f:.]+\]$/i
// scheme://authority with at most a bare trailing slash: anything after it is a path, query or fragment.
const DOMAIN = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/?#]*)\/?$/i

/**
 * The origin (`https://host[:port]`) for the `domain` setting. Only a bare host name (optionally with a
 * port, an `http(s)://` prefix and a trailing slash) is accepted: anything that could make the URL parser
 * resolve to another host or path is rejected rather than repaired.
 */
export function parseDomain(domain: unknown): string {
  const invalid = (why: string) =>
    new InvalidSettingsError(`The "domain" setting ${JSON.stringify(domain)} is invalid: ${why}.`)
  if (typeof domain !== 'string') throw invalid('it must be a host name such as acme.sp1.convertro.com')
  if (/\s/.test(domain)) throw invalid('it must not contain whitespace')
  const match = DOMAIN.exec(domain)
  if (!match) throw invalid('it must be a host name only, without a path, query or fragment')
  const scheme = (match[1] ?? 'https').toLowerCase()
  const authority = match[2]
  if (scheme !== 'https' && scheme !== 'http') throw invalid('only https:// (or http:// for loopback) is allowed')
  if (authority.includes('@')) throw invalid('it must not contain user info')

  const [, host, port] = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(authority) ?? []
  if (host === undefined || !(HOSTNAME.test(host) || IPV6.test(host))) throw invalid('it is not a valid host name')
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw invalid('the port is out of range')

  let url: URL
  try {
    url = new URL(`${scheme}://${authority}/`)
  } catch {
    throw invalid('it is not a valid host name')
  }
  // The URL parser rewrites some names (`1234` becomes `0.0.4.210`): only a name that stays itself is safe.
  if (!IPV6.test(host) && url.hostname !== host.toLowerCase()) throw invalid('it is not a canonical host name')
  if (scheme === 'http' && !LOOPBACK_HOSTS.includes(url.hostname)) {
    throw invalid(`http:// is only allowed for ${LOOPBACK_HOSTS.join(', ')}; use https://`)
  }
  return url.origin
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

// Checking the domain is most of this destination's own work per event, yet settings change rarely: endpoints
// are kept by the settings they came from, and the cache starts over once it holds this many.
const endpoints = new Map<string, Endpoint>()
const MAX_CACHED_ENDPOINTS = 1000

/** Where calls for these settings go. Throws a non-retryable error naming every missing or invalid setting. */
export function resolveEndpoint(settings: Settings): Endpoint {
  const { domain, clientName, siteId } = settings
  // Only text is cached: JSON.stringify would give NaN, null and undefined one key, and settings are text.
  const cacheable = typeof domain === 'string' && typeof clientName === 'string' && typeof siteId === 'string'
  const key = cacheable ? JSON.stringify([domain, clientName, siteId]) : undefined
  const cached = key === undefined ? undefined : endpoints.get(key)
  if (cached) return cached
  requireSettings(settings, ['clientName', 'siteId', 'domain'])
  const path = `/${pathSegment('clientName', clientName)}/${pathSegment('siteId', siteId)}/`
  const endpoint = Object.freeze({ origin: parseDomain(domain), path })
  if (key !== undefined) {
    if (endpoints.size >= MAX_CACHED_ENDPOINTS) endpoints.clear()
    endpoints.set(key, endpoint)
  }
  return endpoint
}

/** The URL of a call, without its query. */
export function callUrl(endpoint: Endpoint, kind: CallKind): string {
  return `${endpoint.origin}/api/${kind}${endpoint.path}`
}
