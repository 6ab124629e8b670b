import ipaddr from 'ipaddr.js'

/**
 * What the contract (docs/contract.md: "Settings", "Actions", "Errors and retries") says an action does with an
 * event and settings, written from the contract and not from the product code, so that the property tests
 * compare two independent readings of it. It models actions-core's mapping and payload validation too,
 * because that decides what reaches the action: those rules are the framework's (checked on 3.170.0). The page
 * names this file as its reading: a change of behaviour changes both, and the tests (CONTRIBUTING.md).
 */

export type ActionKey = 'identifyUser' | 'trackEvent' | 'orderCompleted' | 'appInstalled'

export const ACTION_KEYS: readonly ActionKey[] = ['identifyUser', 'trackEvent', 'orderCompleted', 'appInstalled']

/** A request as it reached the network: origin, raw path and raw query. */
export interface WireRequest {
  origin: string
  path: string
  query: string
}

/** A call the contract requires: the query is compared decoded, as a whole. */
export interface ExpectedCall {
  origin: string
  path: string
  query: Record<string, string>
}

/**
 * How an event ends: sent (successfully or not), or rejected before anything was sent. A failure carries
 * Convertro's status as it is; `retryable` is what the runtime then does with it.
 */
export type Expectation =
  | { kind: 'sent'; calls: ExpectedCall[]; failure?: { status: number; retryable: boolean } }
  // PayloadValidationError whose message matches one of these (which one wins when several apply is not specified).
  | { kind: 'invalidPayload'; about: RegExp[] }
  // IntegrationError INVALID_SETTINGS (400) naming one of these settings.
  | { kind: 'invalidSettings'; settings: string[] }
  // actions-core's own payload validation (AggregateAjvError), before the action runs.
  | { kind: 'schema' }
  // actions-core 3.170.0 fails before the action runs on an event whose `context` is null: its audience
  // membership check destructures `context.personas` with a default that covers only `undefined`.
  | { kind: 'frameworkCrash' }

/** Which status Convertro answers for a request URL, chosen by the test. */
export type Answer = (url: string) => number

type Json = unknown

/**
 * ipaddr.js's names for the address ranges the contract refuses: loopback, private (100.64/10, "carrier-grade
 * NAT", among them), link-local, unique-local, unspecified, and multicast.
 */
const NOT_PUBLIC_RANGES = new Set([
  'loopback',
  'private',
  'carrierGradeNat',
  'linkLocal',
  'uniqueLocal',
  'unspecified',
  'multicast'
])
// The latest instant a JavaScript Date can hold, in milliseconds either side of the epoch.
const MAX_TIME_MS = 8.64e15

// ---------------------------------------------------------------------------------------------------------
// actions-core: what the default mapping and the payload schema make of the event.

/** actions-core's `@path` lookup: walks with `value && value[key]`, so a falsy value part-way is returned as is. */
function lookup(event: Json, path: string): Json {
  let value = event
  for (const key of path.split('.')) {
    value = value && (value as Record<string, Json>)[key]
  }
  return value
}

type Coerced = { ok: true; value: Json } | { ok: false }
const invalid: Coerced = { ok: false }

const isScalar = (value: Json) => value === null || ['string', 'number', 'boolean'].includes(typeof value)

/** ajv (`coerceTypes: 'array'`) on a `string` field: scalars become text, a one-element array is unwrapped. */
function coerceString(value: Json): Coerced {
  if (Array.isArray(value)) return value.length === 1 && isScalar(value[0]) ? coerceString(value[0]) : invalid
  if (value === null) return { ok: true, value: '' }
  if (typeof value === 'string') return { ok: true, value }
  if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) }
  return invalid
}

/**
 * ajv on a `datetime` field (`['string', 'number']`, format `date-like`): a finite number passes; anything else
 * becomes text that must pass the format check. `undecided` marks text whose format check the model does not
 * reproduce (dayjs's parser): the framework may accept or reject it.
 */
function coerceDatetime(value: Json): { ok: false } | { ok: true; value: string | number; undecided: boolean } {
  if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value, undecided: false }
  const text = coerceString(value)
  if (!text.ok) return { ok: false }
  const s = text.value as string
  // Text that no date parser reads: '', 'NaN', 'Infinity', 'true', 'false'.
  if (Number.isNaN(Date.parse(s)) && !isCanonicalNumber(s) && !/\d/.test(s)) return { ok: false }
  // An ISO instant is decided: valid exactly when it names a real date (`2024-13-45T…Z` does not).
  if (STRICT_ISO.test(s)) return Number.isNaN(Date.parse(s)) ? { ok: false } : { ok: true, value: s, undecided: false }
  return { ok: true, value: s, undecided: true }
}

const STRICT_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/

/** Field values after mapping, empty-value removal and validation, or `schema` when validation rejects. */
interface Fields {
  strings: Record<string, string | undefined>
  objects: Record<string, Record<string, Json>>
  timestamp?: { value: string | number; undecided: boolean }
}

const CONTEXT_PATHS = {
  device_id: 'context.device.id',
  user_agent: 'context.userAgent',
  ip: 'context.ip'
}

const STRING_PATHS: Record<ActionKey, Record<string, string>> = {
  identifyUser: { user_id: 'userId', ...CONTEXT_PATHS },
  trackEvent: { event_type: 'event', order_id: 'properties.order_id', ...CONTEXT_PATHS },
  orderCompleted: { order_id: 'properties.order_id', ...CONTEXT_PATHS },
  appInstalled: { app_name: 'context.app.name', app_version: 'context.app.version', ...CONTEXT_PATHS }
}

/** The text fields the contract requires, each declared `required` (the timestamp is required everywhere too). */
const REQUIRED_STRINGS: Record<ActionKey, string[]> = {
  identifyUser: ['user_id', 'device_id'],
  trackEvent: ['event_type', 'device_id'],
  orderCompleted: ['order_id', 'device_id'],
  appInstalled: ['device_id']
}

const OBJECT_PATHS: Record<ActionKey, Record<string, Record<string, string>>> = {
  identifyUser: {},
  trackEvent: { value: { revenue: 'properties.revenue' } },
  orderCompleted: { order: { total: 'properties.total', revenue: 'properties.revenue', repeat: 'properties.repeat' } },
  appInstalled: {}
}

/**
 * The payload the action receives. A top-level `null` is dropped before validation; a top-level `''` is
 * dropped too for a single event, but kept in a batch (actions-core removes it only at the root of `execute`).
 */
function mapFields(action: ActionKey, event: Json, batch: boolean): Fields | 'schema' {
  const fields: Fields = { strings: {}, objects: {} }
  let rejected = false
  for (const [key, path] of Object.entries(STRING_PATHS[action])) {
    const raw = lookup(event, path)
    if (raw === undefined || raw === null || (raw === '' && !batch)) continue
    const coerced = coerceString(raw)
    if (coerced.ok) fields.strings[key] = coerced.value as string
    else rejected = true
  }
  const rawTime = lookup(event, 'timestamp')
  if (!(rawTime === undefined || rawTime === null || (rawTime === '' && !batch))) {
    const coerced = coerceDatetime(rawTime)
    if (coerced.ok) fields.timestamp = { value: coerced.value, undecided: coerced.undecided }
    else rejected = true
  }
  for (const [key, paths] of Object.entries(OBJECT_PATHS[action])) {
    const object: Record<string, Json> = {}
    for (const [property, path] of Object.entries(paths)) {
      const raw = lookup(event, path)
      if (raw !== undefined) object[property] = raw
    }
    fields.objects[key] = object
  }
  // Fields declared `required` that the mapping left without a value fail the framework's validation.
  const missing =
    fields.timestamp === undefined || REQUIRED_STRINGS[action].some((key) => fields.strings[key] === undefined)
  return rejected || missing ? 'schema' : fields
}

// ---------------------------------------------------------------------------------------------------------
// The contract.

const isBlank = (value: Json) => value === undefined || value === null || (typeof value === 'string' && !value.trim())

function isCanonicalNumber(s: string): boolean {
  return s !== '' && String(Number(s)) === s
}

/**
 * The IPv4 address an IPv6 address reaches through a translator: IPv4-mapped (`::ffff:a.b.c.d`), NAT64
 * (`64:ff9b::a.b.c.d`), 6to4 (`2002:aabb:ccdd::`); or `'refused'` for the ranges whose IPv4 host cannot be read
 * off the address and is never a Convertro host (IPv4-compatible `::a.b.c.d`, NAT64 for local use, Teredo).
 */
function translatedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | 'refused' | undefined {
  const parts = address.parts
  const ipv4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff])
  if (address.isIPv4MappedAddress()) return address.toIPv4Address()
  if (parts.slice(0, 6).every((part) => part === 0)) return 'refused'
  if (parts[0] === 0x64 && parts[1] === 0xff9b && parts.slice(2, 6).every((part) => part === 0)) {
    return ipv4(parts[6], parts[7])
  }
  if (parts[0] === 0x64 && parts[1] === 0xff9b && parts[2] === 1) return 'refused'
  if (parts[0] === 0x2002) return ipv4(parts[1], parts[2])
  if (parts[0] === 0x2001 && parts[1] === 0) return 'refused'
  return undefined
}

/**
 * A host the URL parser gave (IPv6 in brackets) that is this machine or a network that is not public: by name
 * (`localhost`, `*.localhost`), or by the address's range, an IPv6 address that reaches an IPv4 one by that one's.
 */
function isNotPublic(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true
  const bare = hostname.replace(/^\[(.*)\]$/, '$1')
  if (!ipaddr.isValid(bare)) return false
  const address = ipaddr.parse(bare)
  const translated = address.kind() === 'ipv6' ? translatedIPv4(address as ipaddr.IPv6) : undefined
  if (translated === 'refused') return true
  return NOT_PUBLIC_RANGES.has((translated ?? address).range())
}

/** The origin calls go to for a `domain` setting, or why it is invalid. */
export function expectedOrigin(domain: Json): string | 'invalid' {
  if (typeof domain !== 'string' || /\s/.test(domain)) return 'invalid'
  const match = /^(?:([A-Za-z][A-Za-z0-9+.-]*):\/\/)?(.*?)\/?$/.exec(domain)
  if (!match) return 'invalid'
  // Calls are always https: a pasted https:// is fine, any other scheme (plain http:// too) is not.
  if (match[1] !== undefined && match[1].toLowerCase() !== 'https') return 'invalid'
  const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?$/.exec(match[2])
  if (!hostPort) return 'invalid'
  const [, host, port] = hostPort
  const ipv6 = host.startsWith('[')
  const label = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
  if (!ipv6 && !host.split('.').every((part) => label.test(part))) return 'invalid'
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return 'invalid'
  let url: URL
  try {
    url = new URL(`https://${host}${port === undefined ? '' : `:${Number(port)}`}`)
  } catch {
    return 'invalid'
  }
  // A name the URL parser rewrites (e.g. `1234` → `0.0.4.210`) names a host the setting did not.
  if (!ipv6 && url.hostname !== host.toLowerCase()) return 'invalid'
  if (isNotPublic(url.hostname)) return 'invalid'
  return url.origin
}

/** The settings problems, in the contract's terms, or the endpoint. */
function endpoint(settings: Record<string, Json>): { origin: string; path: string } | string[] {
  const missing = ['clientName', 'siteId', 'domain'].filter((key) => isBlank(settings[key]))
  if (missing.length > 0) return missing
  const bad: string[] = []
  const segments = (['clientName', 'siteId'] as const).map((key) => {
    // Text, or a number or boolean, which actions-core's settings validation would turn into text.
    const value = settings[key]
    const text = typeof value === 'object' ? undefined : String(value)
    if (text === undefined || text === '.' || text === '..') {
      bad.push(key)
      return ''
    }
    try {
      return encodeURIComponent(text)
    } catch {
      bad.push(key)
      return ''
    }
  })
  const origin = expectedOrigin(settings.domain)
  if (origin === 'invalid') bad.push('domain')
  if (bad.length > 0) return bad
  return { origin, path: `/${segments[0]}/${segments[1]}/` }
}

/** A number or a plain decimal string as a plain decimal (no exponent); anything else is absent. */
export function plainDecimal(value: Json): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined
    if (value === 0) return '0'
    const [mantissa, exponent] = value.toExponential().split('e')
    const digits = mantissa.replace('-', '').replace('.', '')
    const point = Number(exponent) + 1
    const unsigned =
      point <= 0
        ? `0.${'0'.repeat(-point)}${digits}`
        : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`
    return (value < 0 ? '-' : '') + unsigned
  }
  if (typeof value !== 'string') return undefined
  const match = /^(-?)([0-9]+)(?:\.([0-9]+))?$/.exec(value)
  if (!match) return undefined
  const whole = match[2].replace(/^0+(?=[0-9])/, '')
  const fraction = (match[3] ?? '').replace(/0+$/, '')
  const unsigned = fraction ? `${whole}.${fraction}` : whole
  return /^[0.]+$/.test(unsigned) ? '0' : match[1] + unsigned
}

const amount = (...candidates: Json[]) => candidates.map(plainDecimal).find((d) => d !== undefined) ?? '1'

/** Whole Unix seconds of the event time, truncated; undefined when it is not a time a Date can hold. */
export function unixSeconds(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined
  let ms: number
  if (typeof value === 'number') ms = value
  else if (isCanonicalNumber(value)) ms = value.length === 13 ? Number(value) : Number(value) * 1000
  else ms = new Date(value).getTime()
  if (!(Math.abs(ms) <= MAX_TIME_MS)) return undefined
  const seconds = Math.trunc(ms / 1000)
  return String(seconds === 0 ? 0 : seconds)
}

/** URLSearchParams sends text as well-formed UTF-8: an unpaired surrogate goes as U+FFFD. */
const wellFormed = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')

const present = (value: string | undefined) => (value === undefined || value === '' ? undefined : value)
const required = (value: string | undefined) => (value === undefined || !value.trim() ? undefined : value)

const SALE_TYPES = (repeat: Json, hybrid: boolean) => {
  if (typeof repeat !== 'boolean') return ['sale']
  const specific = repeat ? 'sale.repeat' : 'sale.new'
  return hybrid ? [specific, 'sale'] : [specific]
}

/**
 * Whether Segment's runtime retries a failure with this status (actions-core's errors.ts): 4xx are not retried
 * except 408, 423 and 429; 5xx are, except 501. The destination hands the runtime Convertro's status as it is.
 */
export const retriedByRuntime = (status: number) =>
  [408, 423, 429].includes(status) || (status >= 500 && status <= 599 && status !== 501)

export const contextIsNull = (event: Json) => (event as { context?: unknown }).context === null

/**
 * Every outcome the contract allows for one event (more than one only where the framework's date-format check
 * is not modelled). `answer` gives Convertro's status for each request URL.
 */
export function expectations(
  action: ActionKey,
  event: Json,
  settings: Record<string, Json>,
  answer: Answer,
  batch = false
): Expectation[] {
  const fields = mapFields(action, event, batch)
  if (fields === 'schema') return [{ kind: 'schema' }]
  // The framework validates the payload before the action runs, so its verdict comes before any of the action's.
  const outcomes: Expectation[] = fields.timestamp?.undecided ? [{ kind: 'schema' }] : []
  if (contextIsNull(event)) return [...outcomes, { kind: 'frameworkCrash' }]
  const where = endpoint(settings)
  if (Array.isArray(where)) return [...outcomes, { kind: 'invalidSettings', settings: where }]

  const { strings, objects } = fields
  const problems: RegExp[] = []
  const need = (value: string | undefined, about: RegExp) => {
    const v = required(value)
    if (v === undefined) problems.push(about)
    return v ?? ''
  }
  const sid = need(strings.device_id, /device id/)
  const ts = unixSeconds(fields.timestamp?.value)
  if (ts === undefined) problems.push(/timestamp/)
  const context = { sid, ts: ts ?? '', cua: present(strings.user_agent), cip: present(strings.ip) }

  let calls: { kind: string; query: Record<string, string | undefined> }[]
  switch (action) {
    case 'identifyUser':
      calls = [{ kind: 'user', query: { ...context, id: need(strings.user_id, /user id/) } }]
      break
    case 'trackEvent':
      calls = [
        {
          kind: 'hit',
          query: {
            ...context,
            typ: need(strings.event_type, /event type/),
            val: amount(objects.value.revenue),
            eid: present(strings.order_id)
          }
        }
      ]
      break
    case 'orderCompleted': {
      const eid = need(strings.order_id, /order id/)
      const val = amount(objects.order.total, objects.order.revenue)
      calls = SALE_TYPES(objects.order.repeat, settings.hybridAttributionModel === true).map((typ) => ({
        kind: 'hit',
        query: { ...context, typ, val, eid }
      }))
      break
    }
    case 'appInstalled':
      calls = [
        { kind: 'install', query: { ...context, app: present(strings.app_name), apv: present(strings.app_version) } }
      ]
      break
  }

  if (problems.length > 0) return [...outcomes, { kind: 'invalidPayload', about: problems }]

  const sent: ExpectedCall[] = []
  for (const call of calls) {
    const query: Record<string, string> = {}
    for (const [key, value] of Object.entries(call.query)) if (value !== undefined) query[key] = wellFormed(value)
    const expected = { origin: where.origin, path: `/api/${call.kind}${where.path}`, query }
    sent.push(expected)
    const status = answer(urlOf(expected))
    if (status < 200 || status > 299) {
      return [...outcomes, { kind: 'sent', calls: sent, failure: { status, retryable: retriedByRuntime(status) } }]
    }
  }
  return [...outcomes, { kind: 'sent', calls: sent }]
}

/** The URL a call is sent to, as the contract builds it (`URLSearchParams`, parameters in any order). */
export function urlOf(call: ExpectedCall): string {
  const query = new URLSearchParams(Object.entries(call.query).sort(([a], [b]) => a.localeCompare(b)))
  return `${call.origin}${call.path}?${query}`
}

/** The same URL for a request that reached the network, for looking up its answer. */
export function urlOfRequest(request: WireRequest): string {
  const query = [...new URLSearchParams(request.query)].sort(([a], [b]) => a.localeCompare(b))
  return `${request.origin}${request.path}?${new URLSearchParams(query)}`
}
