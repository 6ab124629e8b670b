import fc from 'fast-check'
import { IntegrationError, RetryableError } from '@segment/actions-core'
import type { ActionDefinition, DestinationDefinition } from '@segment/actions-core'
import Definition from '../../src/destinations/convertro'
import type { Settings } from '../../src/destinations/convertro/generated-types'
import { CI_SEED } from './describe-properties'
import { expectedOrigin, plainDecimal, retriedByRuntime, unixSeconds } from './oracle'
import { check, interceptNetwork, property } from './property'
import type { Case } from './property'
import { SETTINGS } from '../../src/destinations/convertro/__tests__/__helpers__/helpers'
import { runtimeRetryableStatuses } from '../../src/destinations/convertro/__tests__/__helpers__/runtime-retry'

// The property tests pass only if the oracle and the harness can tell a wrong destination from a right one.

type Perform = ActionDefinition<Settings, Record<string, unknown>>['perform']

/** The definition with trackEvent's perform replaced. */
function withTrackEvent(perform: Perform): DestinationDefinition<Settings> {
  const trackEvent = { ...Definition.actions.trackEvent, perform } as typeof Definition.actions['trackEvent']
  return { ...Definition, actions: { ...Definition.actions, trackEvent } }
}

const QUERY = { sid: 'device-1', ts: '1709634030', typ: 'Signed Up', val: '1' }

const signedUp: Case = {
  action: 'trackEvent',
  events: [
    {
      type: 'track',
      event: 'Signed Up',
      timestamp: '2024-03-05T10:20:30.999Z',
      context: { device: { id: 'device-1' } }
    }
  ],
  settings: { ...SETTINGS },
  statuses: [200],
  batch: false
}

describe('Convertro property tests', () => {
  beforeEach(() => interceptNetwork())

  it('pass the real destination on a plain event', async () => {
    await expect(check(signedUp)).resolves.toEqual([])
  })

  it.each<[string, Perform]>([
    [
      'sends to another host',
      (request) => request('https://elsewhere.example/api/hit/acme/1234/', { searchParams: QUERY })
    ],
    [
      'sends another path',
      (request) => request('https://acme.sp1.convertro.com/api/user/acme/1234/', { searchParams: QUERY })
    ],
    [
      'sends an extra parameter',
      (request) => request('https://acme.sp1.convertro.com/api/hit/acme/1234/', { searchParams: { ...QUERY, x: '1' } })
    ],
    ['sends nothing', () => undefined],
    [
      'throws an unclassified error',
      () => {
        throw new Error('boom')
      }
    ]
  ])('catch a destination that %s', async (_, perform) => {
    const problems = await check(signedUp, withTrackEvent(perform))
    expect(problems).toEqual([expect.stringMatching(/^differs from the contract: /)])
  })

  /** Sends the call as the contract says, then fails as `error` says whatever Convertro answered. */
  const failingWith =
    (error: Error): Perform =>
    async (request) => {
      await request(`https://acme.sp1.convertro.com/api/hit/acme/1234/?${new URLSearchParams(QUERY)}`, {
        throwHttpErrors: false
      })
      throw error
    }

  it.each<[string, number, Error]>([
    ['retries a 501 that the runtime would not', 501, new RetryableError('Convertro answered 501', 500)],
    [
      'makes a 503 final with its own flag',
      503,
      Object.assign(new IntegrationError('Convertro answered 503', 'SERVICE_UNAVAILABLE', 503), { retry: false })
    ],
    ['reports a 423 as another status', 423, new IntegrationError('Convertro answered 423', 'LOCKED', 400)]
  ])('catch a destination that %s', async (_, status, error) => {
    const problems = await check({ ...signedUp, statuses: [status] }, withTrackEvent(failingWith(error)))
    expect(problems).toEqual([expect.stringMatching(/^differs from the contract: /)])
  })

  it('pass the real destination on a 423, which it hands the runtime as it is', async () => {
    await expect(check({ ...signedUp, statuses: [423] })).resolves.toEqual([])
  })

  it('report the seed of a failing run', async () => {
    const broken = withTrackEvent(() => undefined)
    await expect(fc.assert(property('trackEvent', false, broken), { numRuns: 50, seed: CI_SEED })).rejects.toThrow(
      `seed: ${CI_SEED}`
    )
  })
})

describe('Convertro oracle', () => {
  it.each([
    [50.99, '50.99'],
    [-0, '0'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    ['007.50', '7.5'],
    ['-0.00', '0'],
    ['-0.5', '-0.5'],
    ['5e1', undefined],
    [NaN, undefined]
  ])('reads the amount %p as %p', (value, decimal) => {
    expect(plainDecimal(value)).toBe(decimal)
  })

  it.each([
    ['2024-03-05T10:20:30.999Z', '1709634030'],
    [1709634030999, '1709634030'],
    ['1709634030', '1709634030'],
    [-500, '0'],
    [1e21, undefined]
  ])('reads the time %p as %p', (value, seconds) => {
    expect(unixSeconds(value)).toBe(seconds)
  })

  it.each([
    ['HTTPS://Acme.Convertro.com:443/', 'https://acme.convertro.com'],
    ['8.8.8.8:8443', 'https://8.8.8.8:8443'],
    ['[2606:4700::1111]', 'https://[2606:4700::1111]'],
    ['http://acme.convertro.com', 'invalid'],
    ['a.com@evil.com', 'invalid'],
    ['1234', 'invalid'],
    ['127.1', 'invalid'],
    ['0x7f000001', 'invalid'],
    ['[::ffff:127.0.0.1]', 'invalid'],
    ['[0:0:0:0:0:ffff:7f00:1]', 'invalid'],
    ['[fd00::1]', 'invalid'],
    ['100.64.0.1', 'invalid'],
    ['224.0.0.1', 'invalid'],
    ['LOCALHOST', 'invalid'],
    ['foo.localhost', 'invalid']
  ])('reads the domain %p as %p', (domain, origin) => {
    expect(expectedOrigin(domain)).toBe(origin)
  })

  it.each([
    [400, false],
    [408, true],
    [423, true],
    [429, true],
    [499, false],
    [500, true],
    [501, false],
    [599, true]
  ])('expects the runtime to retry a %i: %p', (status, retried) => {
    expect(retriedByRuntime(status)).toBe(retried)
  })

  // actions-core lists the statuses a RetryableError may carry: every 4xx the runtime retries, and the 5xx in use.
  it('expects the runtime to retry exactly the 4xx actions-core lists as retryable, and every 5xx it lists', () => {
    const listed = runtimeRetryableStatuses()
    const clientErrors = Array.from({ length: 100 }, (_, i) => 400 + i)
    expect(clientErrors.filter(retriedByRuntime)).toEqual(listed.filter((status) => status < 500))
    expect(listed.filter((status) => status >= 500).every(retriedByRuntime)).toBe(true)
  })
})
