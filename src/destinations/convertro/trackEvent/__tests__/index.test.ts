import { PayloadValidationError, createTestIntegration } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import Destination from '../../index'
import {
  SETTINGS,
  expected,
  invalidEntry,
  missingRequired,
  recordConvertroCalls,
  sorted,
  testEvent
} from '../../__tests__/__helpers__/helpers'

const testDestination = createTestIntegration(Destination)

/** Runs one track event through trackEvent with its default mapping (plus `mapping`), answering 200. */
async function track(properties: JSONObject, event = 'Signed Up', mapping = {}) {
  const calls = recordConvertroCalls()
  await testDestination.testAction('trackEvent', {
    event: testEvent({ type: 'track', event, properties }),
    settings: SETTINGS,
    mapping,
    useDefaultMappings: true
  })
  return calls
}

describe('Convertro.trackEvent', () => {
  beforeEach(() => {
    testDestination.responses = []
  })

  it('sends a hit typed with the event name and the default value 1', async () => {
    expect(await track({})).toEqual([expected('hit', { typ: 'Signed Up', val: '1' })])
  })

  it('sends the mapped Convertro event type instead of the event name', async () => {
    expect(await track({}, 'Signed Up', { event_type: 'signup' })).toEqual([
      expected('hit', { typ: 'signup', val: '1' })
    ])
  })

  it('sends revenue as the value', async () => {
    expect(await track({ revenue: 50.99 })).toEqual([expected('hit', { typ: 'Signed Up', val: '50.99' })])
  })

  it('keeps a revenue of 0', async () => {
    expect(await track({ revenue: 0 })).toEqual([expected('hit', { typ: 'Signed Up', val: '0' })])
  })

  it.each([
    ['a numeric string', '50.99', '50.99'],
    ['a negative numeric string', '-3', '-3'],
    ['a string with trailing zeros', '12.50', '12.5']
  ])('accepts revenue as %s', async (_, revenue, val) => {
    expect(await track({ revenue })).toEqual([expected('hit', { typ: 'Signed Up', val })])
  })

  it.each([
    ['a word', 'lots'],
    ['an empty string', ''],
    ['null', null],
    ['a string with spaces', ' 5'],
    ['exponent notation', '5e1'],
    ['a boolean', true],
    ['an object', { amount: 5 }]
  ])('falls back to 1 when revenue is %s', async (_, revenue) => {
    expect(await track({ revenue })).toEqual([expected('hit', { typ: 'Signed Up', val: '1' })])
  })

  it('does not read total', async () => {
    expect(await track({ total: 99 })).toEqual([expected('hit', { typ: 'Signed Up', val: '1' })])
  })

  it.each([
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    [5.099e1, '50.99']
  ])('sends %p as a plain decimal', async (revenue, val) => {
    expect(await track({ revenue })).toEqual([expected('hit', { typ: 'Signed Up', val })])
  })

  it('sends the order id as eid when present', async () => {
    expect(await track({ order_id: 'o-17', revenue: 5 })).toEqual([
      expected('hit', { typ: 'Signed Up', val: '5', eid: 'o-17' })
    ])
  })

  it('encodes reserved characters in the event type', async () => {
    const name = 'Paid & Signed Up? #1 = 100%/+'
    expect(await track({}, name)).toEqual([expected('hit', { typ: name, val: '1' })])
  })

  it('truncates the timestamp to whole seconds instead of rounding it', async () => {
    const calls = recordConvertroCalls()
    await testDestination.testAction('trackEvent', {
      event: testEvent({ type: 'track', event: 'Signed Up', timestamp: '2024-03-05T10:20:30.999Z' }),
      settings: SETTINGS,
      useDefaultMappings: true
    })
    expect(calls.map((call) => call.query.ts)).toEqual(['1709634030'])
  })

  // Both fields are declared required, so Segment's UI and its generated test data treat them as such.
  it.each([
    ['event_type', { event_type: { '@path': '$.properties.convertro_type' } }],
    ['timestamp', { timestamp: { '@path': '$.properties.happened_at' } }]
  ])('rejects an event whose %s maps to nothing, naming the field, and sends nothing', async (field, mapping) => {
    const calls = recordConvertroCalls()
    const result = testDestination.testAction('trackEvent', {
      event: testEvent({ type: 'track', event: 'Signed Up' }),
      settings: SETTINGS,
      mapping,
      useDefaultMappings: true
    })
    await expect(result).rejects.toMatchObject(missingRequired(field))
    expect(calls).toEqual([])
  })

  it('rejects an event type of only spaces, naming typ, and sends nothing', async () => {
    const calls = recordConvertroCalls()
    const result = testDestination.testAction('trackEvent', {
      event: testEvent({ type: 'track', event: '   ' }),
      settings: SETTINGS,
      useDefaultMappings: true
    })
    await expect(result).rejects.toThrow(PayloadValidationError)
    await expect(result).rejects.toThrow('Missing event type: Convertro requires `typ` on this call.')
    expect(calls).toEqual([])
  })

  it.each([1e21, -1e16, 8.64e15 + 1000])(
    'rejects a timestamp no Date can hold (%p), naming ts, and sends nothing',
    async (happenedAt) => {
      const calls = recordConvertroCalls()
      const result = testDestination.testAction('trackEvent', {
        event: testEvent({ type: 'track', event: 'Signed Up', properties: { happened_at: happenedAt } }),
        settings: SETTINGS,
        mapping: { timestamp: { '@path': '$.properties.happened_at' } },
        useDefaultMappings: true
      })
      await expect(result).rejects.toThrow(PayloadValidationError)
      await expect(result).rejects.toThrow('Missing or invalid timestamp: Convertro requires `ts` on every call.')
      expect(calls).toEqual([])
    }
  )

  it('rejects a blank device id with a PayloadValidationError naming sid, and sends nothing', async () => {
    const calls = recordConvertroCalls()
    const result = testDestination.testAction('trackEvent', {
      event: testEvent({ type: 'track', event: 'Signed Up', context: { device: { id: '   ' } } }),
      settings: SETTINGS,
      useDefaultMappings: true
    })
    await expect(result).rejects.toThrow(PayloadValidationError)
    await expect(result).rejects.toThrow(/^Missing device id: Convertro requires `sid` on every call/)
    expect(calls).toEqual([])
  })

  it('rejects an event without a device id in actions-core’s validation, and sends nothing', async () => {
    const calls = recordConvertroCalls()
    await expect(
      testDestination.testAction('trackEvent', {
        event: testEvent({ type: 'track', event: 'Signed Up', context: {} }),
        settings: SETTINGS,
        useDefaultMappings: true
      })
    ).rejects.toMatchObject(missingRequired('device_id'))
    expect(calls).toEqual([])
  })

  it('sends one hit per event in a batch, and gives each event its own result', async () => {
    const calls = recordConvertroCalls()
    await testDestination.testBatchAction('trackEvent', {
      events: [
        testEvent({ type: 'track', event: 'A', properties: { revenue: 1 } }),
        testEvent({ type: 'track', event: 'B', context: {} }),
        testEvent({ type: 'track', event: 'C', context: { device: { id: ' ' } } }),
        testEvent({ type: 'track', event: 'D', properties: { revenue: '3' } })
      ],
      settings: SETTINGS,
      useDefaultMappings: true
    })
    expect(sorted(calls)).toEqual([expected('hit', { typ: 'A', val: '1' }), expected('hit', { typ: 'D', val: '3' })])
    expect(testDestination.results[0].multistatus).toEqual([
      expect.objectContaining({ status: 200 }),
      invalidEntry(/^The root value is missing the required field 'device_id'\.$/),
      invalidEntry(/`sid`/),
      expect.objectContaining({ status: 200 })
    ])
  })
})
