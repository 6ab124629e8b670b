import { BlockList } from 'net'
import { transform } from '@segment/actions-core'
import type { ModifiedResponse, RequestClient, SegmentEvent } from '@segment/actions-core'
import definition from '../index'
import type { Settings } from '../generated-types'
import { checkDomain, parseDomain } from '../endpoint'
import { toDecimal, writeDecimal } from '../call'
import { SETTINGS, testEvent } from './__helpers__/helpers'

// What an event costs the destination's own code is mostly what that code touches: the URL parser and the address
// checks cost several times more per event than all the rest of it (docs/benchmarks.md, "What was profiled and
// fixed"). They are counted here, so that bringing one back onto the path of an ordinary event fails a test rather
// than only a benchmark, as is the request option that spares every call a clone of its answer; the query keeps
// its one URLSearchParams per call, the encoder the contract names; and the shortcuts are checked against the code
// they stand for.

type ActionKey = keyof typeof definition.actions

interface Work {
  /** `new URL(…)` in the destination's code. */
  urls: number
  /** `new URLSearchParams(…)` in the destination's code. */
  searchParams: number
  /** Address look-ups in a `net.BlockList`. */
  addressChecks: number
  /** The URLs the action asked the request client for. */
  sent: string[]
  /** The options it gave with each. */
  options: object[]
}

/**
 * Runs the action's perform on the payload its preset maps from `event`, with a request client that answers 200
 * at once: only the destination's own code runs, and what it constructs is counted.
 */
async function work(action: ActionKey, event: SegmentEvent, settings: Settings): Promise<Work> {
  const preset = definition.presets?.find((candidate) => candidate.partnerAction === action)
  if (!preset || !('mapping' in preset)) throw new Error(`no preset for ${action}`)
  const payload = transform(preset.mapping ?? {}, event as unknown as Parameters<typeof transform>[1])
  const counts: Work = { urls: 0, searchParams: 0, addressChecks: 0, sent: [], options: [] }
  const request = ((url: string, options: object) => {
    counts.sent.push(url)
    counts.options.push(options)
    return Promise.resolve({ status: 200, url, content: 'OK' } as unknown as ModifiedResponse)
  }) as unknown as RequestClient
  const { URL: PlainURL, URLSearchParams: PlainSearchParams } = globalThis
  globalThis.URL = class extends PlainURL {
    constructor(...args: ConstructorParameters<typeof URL>) {
      super(...args)
      counts.urls++
    }
  }
  globalThis.URLSearchParams = class extends PlainSearchParams {
    constructor(...args: ConstructorParameters<typeof URLSearchParams>) {
      super(...args)
      counts.searchParams++
    }
  }
  const check = jest.spyOn(BlockList.prototype, 'check')
  try {
    const perform = definition.actions[action].perform as (
      request: RequestClient,
      data: { payload: unknown; settings: Settings }
    ) => Promise<unknown>
    await perform(request, { payload, settings })
  } finally {
    globalThis.URL = PlainURL
    globalThis.URLSearchParams = PlainSearchParams
    counts.addressChecks = check.mock.calls.length
    check.mockRestore()
  }
  return counts
}

const CONTEXT_QUERY = 'sid=device-1&ts=1709634030&cua=UA%2F1.0&cip=203.0.113.7'
const HIT = 'https://acme.sp1.convertro.com/api/hit/acme/1234/?'

const ORDINARY: [string, ActionKey, SegmentEvent, Settings, string[]][] = [
  [
    'identifyUser',
    'identifyUser',
    testEvent({ type: 'identify', userId: 'user-1' }),
    SETTINGS,
    [`https://acme.sp1.convertro.com/api/user/acme/1234/?${CONTEXT_QUERY}&id=user-1`]
  ],
  [
    'trackEvent',
    'trackEvent',
    testEvent({ type: 'track', event: 'Signed Up', properties: { revenue: 50.99, order_id: 'o-1' } }),
    SETTINGS,
    [`${HIT}${CONTEXT_QUERY}&typ=Signed+Up&val=50.99&eid=o-1`]
  ],
  [
    'orderCompleted under the hybrid model (two calls)',
    'orderCompleted',
    testEvent({ type: 'track', event: 'Order Completed', properties: { order_id: 'o-1', total: 120.5, repeat: true } }),
    { ...SETTINGS, hybridAttributionModel: true },
    [`${HIT}${CONTEXT_QUERY}&typ=sale.repeat&val=120.5&eid=o-1`, `${HIT}${CONTEXT_QUERY}&typ=sale&val=120.5&eid=o-1`]
  ],
  [
    'appInstalled',
    'appInstalled',
    testEvent({ type: 'track', event: 'Application Installed', context: { device: { id: 'device-1' } } }),
    SETTINGS,
    ['https://acme.sp1.convertro.com/api/install/acme/1234/?sid=device-1&ts=1709634030']
  ]
]

describe("Convertro's own work per event", () => {
  it.each(ORDINARY)(
    '%s builds its calls without a URL or an address check, with one URLSearchParams a call',
    async (_, action, event, settings, urls) => {
      const counted = await work(action, event, settings)
      expect(counted.sent).toEqual(urls)
      expect(counted).toMatchObject({ urls: 0, searchParams: urls.length, addressChecks: 0 })
    }
  )

  it.each(ORDINARY)(
    '%s asks actions-core not to clone each answer before reading it',
    async (_, action, event, settings) => {
      // actions-core reads the answer into `content` either way; cloning it first costs every call two more streams.
      const { options } = await work(action, event, settings)
      expect(options).toHaveLength(action === 'orderCompleted' ? 2 : 1)
      for (const given of options) expect(given).toMatchObject({ method: 'GET', skipResponseCloning: true })
    }
  )

  it.each([
    ['a pasted URL', 'https://acme.sp1.convertro.com/'],
    ['capitals', 'ACME.sp1.convertro.com'],
    ['a port', 'acme.sp1.convertro.com:443']
  ])('checks a domain with %s in full, and sends to the same host', async (_, domain) => {
    // The counters count: a spelling the shortcut does not take goes through the URL parser.
    const counted = await work('trackEvent', ORDINARY[1][2], { ...SETTINGS, domain })
    expect(counted.sent).toEqual(ORDINARY[1][4])
    expect(counted.urls).toBeGreaterThan(0)
  })

  it('checks an IP address against the address ranges', async () => {
    const counted = await work('trackEvent', ORDINARY[1][2], { ...SETTINGS, domain: '8.8.8.8' })
    expect(counted.sent).toEqual([
      `https://8.8.8.8/api/hit/acme/1234/?${CONTEXT_QUERY}&typ=Signed+Up&val=50.99&eid=o-1`
    ])
    expect(counted.addressChecks).toBeGreaterThan(0)
  })
})

/** A deterministic stream of numbers in [0, 1), so every run checks the same cases. */
function random(seed: number) {
  let state = seed
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff
    return state / 0x80000000
  }
}

/** The domain check's answer: the origin, or the error's message. */
function outcome(check: (domain: unknown) => string, domain: unknown): string {
  try {
    return `origin ${check(domain)}`
  } catch (error) {
    return `refused ${(error as Error).message}`
  }
}

describe('the shortcuts stand for what they replace', () => {
  const NAMES = [
    'acme.sp1.convertro.com',
    'a',
    'z9',
    'a-b--c.com',
    'collector.test',
    'localhost',
    'a.localhost',
    'localhost.a',
    'alocalhost',
    'xn--p1ai',
    'a.xn--p1ai',
    'xn--a.com',
    'a.xn--a',
    'axn--b.com',
    '1.a',
    'a.1',
    'a.0x1',
    'a.0xg',
    '1234',
    '0x7f.1',
    '127.0.0.1',
    '8.8.8.8',
    '134744072',
    'a.b.c.d.e.f.g.h',
    `${'a'.repeat(63)}.com`,
    `${'a'.repeat(64)}.com`,
    `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}`,
    Array.from({ length: 200 }, () => 'ab').join('.'),
    '-a.com',
    'a-.com',
    'a.com.',
    '.a.com',
    'a..com',
    'A.com',
    'a.COM',
    'https://a.com',
    'a.com/',
    'a.com:443',
    'a_b.com',
    ' a.com',
    'a.com\n',
    'аcme.com',
    ''
  ]

  it.each(NAMES)('the domain %p is accepted or refused exactly as the full check does', (domain) => {
    expect(outcome(parseDomain, domain)).toBe(outcome(checkDomain, domain))
  })

  it('agrees with the full check on 20,000 generated domains', () => {
    const next = random(20_261_205)
    const alphabets = ['ab.-', 'a0x9.-', 'abcxyz0189.-', 'a1.-:/_@[]A ', 'localhost.a', 'xn-a1.', 'aé.-']
    const tails = ['', '.com', '.localhost', '.1', '.0x1', '.xn--p1ai', '.test']
    let accepted = 0
    for (let i = 0; i < 20_000; i++) {
      const alphabet = alphabets[i % alphabets.length]
      let domain = ''
      for (let length = 1 + Math.floor(next() * 14); length > 0; length--) {
        domain += alphabet[Math.floor(next() * alphabet.length)]
      }
      domain += tails[Math.floor(next() * tails.length)]
      const expected = outcome(checkDomain, domain)
      if (outcome(parseDomain, domain) !== expected) throw new Error(`${JSON.stringify(domain)}: not ${expected}`)
      if (expected.startsWith('origin')) accepted++
    }
    // Both kinds of answer were compared, many times.
    expect(accepted).toBeGreaterThan(2_000)
    expect(accepted).toBeLessThan(18_000)
  })

  it('writes every number as the digit-by-digit writer does', () => {
    const next = random(7)
    const bits = new Float64Array(1)
    const words = new Uint32Array(bits.buffer)
    const numbers = [0, -0, 1, -1, 0.1, 50.99, 1e20, 1e21, 1e-6, 1e-7, Number.MAX_VALUE, Number.MIN_VALUE]
    for (let i = 0; i < 20_000; i++) {
      words[0] = Math.floor(next() * 2 ** 32)
      words[1] = Math.floor(next() * 2 ** 32)
      numbers.push(bits[0], (next() - 0.5) * 10 ** Math.floor(next() * 40 - 15), Math.round(next() * 1e6) / 100)
    }
    for (const value of numbers.filter(Number.isFinite)) {
      if (toDecimal(value) !== writeDecimal(String(value))) throw new Error(`${value}: ${toDecimal(value)}`)
    }
    expect(toDecimal(1e21)).toBe('1000000000000000000000')
    expect(toDecimal(-1e-7)).toBe('-0.0000001')
  })
})
