import fc from 'fast-check'
import type { ActionDefinition, DestinationDefinition } from '@segment/actions-core'
import Definition from '../../src/destinations/convertro'
import type { Settings } from '../../src/destinations/convertro/generated-types'
import { CI_SEED } from './describe-properties'
import { expectedOrigin, plainDecimal, unixSeconds } from './oracle'
import { check, interceptNetwork, property } from './property'
import type { Case } from './property'
import { SETTINGS } from '../../src/destinations/convertro/__tests__/__helpers__/helpers'

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
    ['http://[::1]:3000', 'http://[::1]:3000'],
    ['a.com@evil.com', 'invalid'],
    ['http://10.0.0.1', 'invalid'],
    ['1234', 'invalid']
  ])('reads the domain %p as %p', (domain, origin) => {
    expect(expectedOrigin(domain)).toBe(origin)
  })
})
