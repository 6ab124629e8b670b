import fc from 'fast-check'
import type { ActionKey } from './oracle'

/** Text of any UTF-16 code units: control characters, unpaired surrogates, every plane. */
const anyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 12
})

/** Text a customer might really send, with the characters that need encoding. */
const plainText = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
  fc.constantFrom('user 42/ü', 'o&1=2', 'a+b', '%2e%2e', '../', '?#', 'Ünïcødé ✓', '😀', 'line\nbreak', '\u0000')
)

// Long enough to be far beyond any real value, short enough that a few of them fit the 16 KB request line that
// Node's HTTP parser (and so the test network) accepts: Convertro's own limit would answer 414 anyway.
const hugeText = fc.integer({ min: 500, max: 2_000 }).map((n) => 'é'.repeat(n))

/** A payload far larger than any event field, where the mapping reads nothing. */
const hugeTraits = fc.integer({ min: 10_000, max: 200_000 }).map((n) => ({ note: 'x'.repeat(n) }))

/** Numbers the contract calls out, and any double. */
const numbers = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER),
  fc.double(),
  fc.integer()
)

/** Text that looks numeric, including what must not count as a number. */
const numericText = fc.oneof(
  fc.constantFrom('50.99', '-3', '007', '-0', '0.00', '12.50', '1e21', '5e1', ' 5', '5 ', '+5', '.5', '5.', '1,000'),
  fc.constantFrom('0x10', 'NaN', 'Infinity', '١٢٣', '123456789012345678901234567890.5', '-0.5'),
  fc.double({ noNaN: true }).map(String),
  fc.bigInt().map(String)
)

const shallow = fc.oneof(anyText, numbers, fc.boolean(), fc.constant(null))
const nested = fc.oneof(
  fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), shallow, { maxKeys: 3 }),
  fc.array(shallow, { maxLength: 3 }),
  fc.array(fc.array(shallow, { maxLength: 1 }), { maxLength: 1 })
)

/** Any value where a string is expected: numbers, booleans, null, objects and arrays, weighted towards real text. */
export const anyValue = fc.oneof(
  { arbitrary: plainText, weight: 6 },
  { arbitrary: anyText, weight: 2 },
  { arbitrary: hugeText, weight: 1 },
  { arbitrary: numbers, weight: 2 },
  { arbitrary: numericText, weight: 2 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constantFrom(null, undefined, '', '   '), weight: 2 },
  { arbitrary: nested, weight: 2 }
)

const timestamp = fc.oneof(
  { arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), weight: 6 },
  { arbitrary: fc.integer({ min: -8.64e15, max: 8.64e15 }), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 4e9 }).map(String), weight: 1 },
  { arbitrary: fc.integer({ min: 1e12, max: 9.99e12 }).map(String), weight: 1 },
  {
    arbitrary: fc.constantFrom('2024-03-05 10:20', 'yesterday', '1e+21', 1e21, -1e16, '2024-13-45T99:00:00Z'),
    weight: 1
  },
  { arbitrary: anyValue, weight: 2 }
)

/** A value, or the key left out altogether (`undefined` keys are dropped by the record). */
const maybe = <T>(arbitrary: fc.Arbitrary<T>, weight = 4) =>
  fc.oneof({ arbitrary, weight }, { arbitrary: fc.constant(undefined), weight: 1 }, { arbitrary: anyValue, weight: 1 })

const extra = fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), anyValue, { maxKeys: 2 })

const context = fc.record(
  {
    device: maybe(fc.record({ id: maybe(plainText, 8) })),
    userAgent: maybe(plainText),
    ip: maybe(fc.constantFrom('203.0.113.7', '::1', '1.2.3.4')),
    app: maybe(fc.record({ name: maybe(plainText), version: maybe(fc.constantFrom('1.0', '2.3.4-beta')) }))
  },
  { requiredKeys: [] }
)

const properties = fc.record(
  {
    revenue: maybe(fc.oneof(numbers, numericText)),
    total: maybe(fc.oneof(numbers, numericText)),
    repeat: maybe(fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', 1, 0, null))),
    order_id: maybe(plainText)
  },
  { requiredKeys: [] }
)

const EVENT_NAMES: Record<ActionKey, string> = {
  identifyUser: 'Identify',
  trackEvent: 'Signed Up',
  orderCompleted: 'Order Completed',
  appInstalled: 'Application Installed'
}

/** A Segment event aimed at the action, with any field missing, extra or of the wrong type. */
const anyEvent = (action: ActionKey) =>
  fc
    .tuple(
      fc.record(
        {
          type: maybe(fc.constant(action === 'identifyUser' ? 'identify' : 'track')),
          event: maybe(fc.constant(EVENT_NAMES[action])),
          userId: maybe(plainText),
          timestamp: maybe(timestamp, 8),
          context: maybe(context, 8),
          properties: maybe(properties, 8),
          traits: fc.oneof({ arbitrary: fc.constant(undefined), weight: 9 }, { arbitrary: hugeTraits, weight: 1 })
        },
        { requiredKeys: [] }
      ),
      extra
    )
    .map(([event, more]) => ({ ...more, ...event }))

/** An event as a customer's SDK sends it: every id present, a real time; the values still vary freely. */
const wellFormedEvent = (action: ActionKey) =>
  fc.record({
    type: fc.constant(action === 'identifyUser' ? 'identify' : 'track'),
    event: fc.constant(EVENT_NAMES[action]),
    userId: plainText,
    timestamp: fc
      .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString()),
    context: fc.record({
      device: fc.record({ id: plainText }),
      userAgent: maybe(plainText),
      ip: maybe(fc.constantFrom('203.0.113.7', '::1', '1.2.3.4')),
      app: fc.record({ name: maybe(plainText), version: maybe(fc.constantFrom('1.0', '2.3.4-beta')) })
    }),
    properties: fc.record({
      revenue: maybe(fc.oneof(numbers, numericText)),
      total: maybe(fc.oneof(numbers, numericText)),
      repeat: fc.oneof(fc.boolean(), fc.constantFrom(undefined, 'true', null)),
      order_id: plainText
    })
  })

/** Events for the action: mostly as an SDK sends them (so many reach Convertro), the rest anything at all. */
export function segmentEvent(action: ActionKey) {
  return fc.oneof({ arbitrary: wellFormedEvent(action), weight: 3 }, { arbitrary: anyEvent(action), weight: 2 })
}

const hostile = [
  'evil.com/',
  'a.com@evil.com',
  'a.com#@evil.com',
  'a.com\\evil.com',
  'a.com%2F..',
  'http://10.0.0.1',
  '[::1]',
  'http://[::1]:8080/',
  '[0:0:0:0:0:0:0:1]',
  '[::ffff:10.0.0.1]',
  'a.com.',
  ' a.com',
  'a.com\n',
  'аcme.com',
  '1234',
  'https://a.com/path'
]

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/)

/**
 * Hosts the contract names: addresses that are not public in each spelling a URL parser accepts (loopback,
 * private, link-local, unique-local, unspecified, multicast), the IPv6 addresses a translator turns into such an
 * address, this machine by name, and public ones beside them.
 */
const namedHost = fc.constantFrom(
  '127.0.0.1',
  '127.1',
  '2130706433',
  '0x7f000001',
  '0177.0.0.1',
  '[::1]',
  '[::ffff:127.0.0.1]',
  '[0:0:0:0:0:ffff:7f00:1]',
  '10.0.0.1',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.0.1',
  '100.64.0.1',
  '169.254.169.254',
  '[fe80::1]',
  '[fd00::1]',
  '0.0.0.0',
  '[::]',
  '224.0.0.1',
  '[ff02::1]',
  '[64:ff9b::127.0.0.1]',
  '[64:ff9b::a00:1]',
  '[2002:c0a8:1::]',
  '[::127.0.0.1]',
  '[64:ff9b:1::808:808]',
  '[2001:0:4136:e378:8000:63bf:3fff:fdd2]',
  '[64:ff9b::8.8.8.8]',
  '[2002:808:808::1]',
  'localhost',
  'LOCALHOST',
  'foo.localhost',
  '8.8.8.8',
  '172.32.0.1',
  '100.128.0.1',
  '[2606:4700::1111]',
  'ACME.sp1.Convertro.com'
)

/** A domain setting: hosts in every form, public or not, then hostile and arbitrary text. */
export const domain = fc.oneof(
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom('', 'https://', 'HTTPS://', 'http://'),
        fc.oneof(
          fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
          namedHost
        ),
        fc.constantFrom('', ':443', ':8443', ':3000', ':0', ':65536'),
        fc.constantFrom('', '/')
      )
      .map((parts) => parts.join('')),
    weight: 8
  },
  { arbitrary: fc.constantFrom(...hostile), weight: 2 },
  { arbitrary: anyText, weight: 1 },
  { arbitrary: fc.constantFrom(undefined, null, '', 42), weight: 1 }
)

const segment = fc.oneof(
  { arbitrary: plainText, weight: 8 },
  { arbitrary: fc.constantFrom('.', '..', '../', '%2e%2e', '/', '?', '#', '%2F', '%', '\uD800'), weight: 2 },
  { arbitrary: anyText, weight: 1 },
  { arbitrary: fc.constantFrom(undefined, null, '', ' ', 1234, true, {}), weight: 1 }
)

/** A host name label that starts with a letter, so that no name it makes is an IP address. */
const nameLabel = fc.stringMatching(/^[a-z](?:[a-z0-9-]{0,8}[a-z0-9])?$/)

/** Settings that reach Convertro: every required key, a public host in an accepted form, an ordinary path segment. */
const validSettings = fc.record({
  clientName: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
  siteId: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
  domain: fc
    .tuple(
      fc.constantFrom('', 'https://'),
      fc
        .array(nameLabel, { minLength: 1, maxLength: 4 })
        .map((labels) => labels.join('.'))
        .filter((host) => !/(^|\.)localhost$/.test(host)),
      fc.constantFrom('', ':8443')
    )
    .map((parts) => parts.join('')),
  hybridAttributionModel: fc.boolean()
})

/** Destination settings: mostly ones that send (so the sending path is what is fuzzed most), then any value in any setting. */
export const settings = fc.oneof(
  { arbitrary: validSettings, weight: 3 },
  {
    arbitrary: fc.record(
      {
        // Not a setting of the cloud destination, but classic settings carry it: it must change nothing.
        account: fc.oneof(fc.constant('acme'), anyValue),
        clientName: segment,
        siteId: segment,
        domain,
        hybridAttributionModel: fc.oneof(fc.boolean(), fc.constantFrom(undefined, 'true', 'false', 1, 0, null))
      },
      { requiredKeys: [] }
    ),
    weight: 2
  }
)

/** Convertro's statuses, mostly 200: a request's answer is picked from this list by its URL. */
export const statuses = fc.array(
  fc.oneof({ arbitrary: fc.constant(200), weight: 6 }, { arbitrary: fc.integer({ min: 200, max: 599 }), weight: 2 }),
  { minLength: 1, maxLength: 4 }
)
