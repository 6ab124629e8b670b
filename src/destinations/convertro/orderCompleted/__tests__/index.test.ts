import { IntegrationError, PayloadValidationError, createTestIntegration } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import Destination from '../../index'
import { ATTRIBUTION_TABLE } from '../../../../shared/__tests__/__helpers__/attribution'
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

function order(properties: JSONObject, hybridAttributionModel = false) {
  return testDestination.testAction('orderCompleted', {
    event: testEvent({ type: 'track', event: 'Order Completed', properties }),
    settings: { ...SETTINGS, hybridAttributionModel },
    useDefaultMappings: true
  })
}

const hit = (typ: string, val = '1') => expected('hit', { typ, val, eid: 'o-1' })

describe('Convertro.orderCompleted', () => {
  beforeEach(() => {
    testDestination.responses = []
  })

  describe('attribution table: repeat × hybridAttributionModel', () => {
    it.each(ATTRIBUTION_TABLE)(
      'repeat = %p, hybrid = %p sends %p, the specific type first',
      async (repeat, hybrid, types) => {
        const calls = recordConvertroCalls()
        const properties: JSONObject = { order_id: 'o-1' }
        if (repeat !== undefined) properties.repeat = repeat
        await order(properties, hybrid)
        expect(calls).toEqual(types.map((typ) => hit(typ)))
      }
    )
  })

  it.each(['false', 'true', 1])(
    'sends only the specific sale type when the hybrid setting is %p, not true',
    async (hybrid) => {
      const calls = recordConvertroCalls()
      await testDestination.testAction('orderCompleted', {
        event: testEvent({ type: 'track', event: 'Order Completed', properties: { order_id: 'o-1', repeat: true } }),
        settings: { ...SETTINGS, hybridAttributionModel: hybrid as unknown as boolean },
        useDefaultMappings: true
      })
      expect(calls).toEqual([hit('sale.repeat')])
    }
  )

  describe('amount: total, else revenue, else 1', () => {
    it.each([
      [{ total: 100, revenue: 90 }, '100'],
      [{ revenue: 90 }, '90'],
      [{}, '1'],
      [{ total: 0, revenue: 90 }, '0'],
      [{ total: '12.50', revenue: 90 }, '12.5'],
      [{ total: 'lots', revenue: 90 }, '90'],
      [{ total: 'lots', revenue: '-3' }, '-3'],
      [{ total: '', revenue: 'n/a' }, '1'],
      [{ total: null, revenue: null }, '1'],
      [{ total: 1e21 }, '1000000000000000000000']
    ])('%p sends val %p', async (amounts, val) => {
      const calls = recordConvertroCalls()
      await order({ order_id: 'o-1', ...amounts })
      expect(calls).toEqual([hit('sale', val)])
    })
  })

  it('sends the same eid, val and sid on both calls of a hybrid order', async () => {
    const calls = recordConvertroCalls()
    await order({ order_id: 'o-1', total: 20, repeat: false }, true)
    expect(calls).toEqual([hit('sale.new', '20'), hit('sale', '20')])
  })

  it('sends a numeric order id as text', async () => {
    const calls = recordConvertroCalls()
    await order({ order_id: 12345 })
    expect(calls).toEqual([expected('hit', { typ: 'sale', val: '1', eid: '12345' })])
  })

  it('rejects an order without an order id in actions-core’s validation, and sends nothing', async () => {
    const calls = recordConvertroCalls()
    await expect(order({ total: 20 })).rejects.toMatchObject(missingRequired('order_id'))
    expect(calls).toEqual([])
  })

  it('rejects a blank order id with a PayloadValidationError naming eid, and sends nothing', async () => {
    const calls = recordConvertroCalls()
    const result = order({ order_id: '  ', total: 20 })
    await expect(result).rejects.toThrow(PayloadValidationError)
    await expect(result).rejects.toThrow('Missing order id: Convertro requires `eid` on this call.')
    expect(calls).toEqual([])
  })

  it('rejects an order without a device id in actions-core’s validation, and sends nothing', async () => {
    const calls = recordConvertroCalls()
    const result = testDestination.testAction('orderCompleted', {
      event: testEvent({ type: 'track', event: 'Order Completed', properties: { order_id: 'o-1' }, context: {} }),
      settings: SETTINGS,
      useDefaultMappings: true
    })
    await expect(result).rejects.toMatchObject(missingRequired('device_id'))
    expect(calls).toEqual([])
  })

  it('fails the event with the second call’s error when it fails, after sending the first', async () => {
    const calls = recordConvertroCalls([
      [200, 'OK'],
      [503, 'busy']
    ])
    const result = order({ order_id: 'o-1', repeat: true }, true)
    await expect(result).rejects.toThrow(IntegrationError)
    await expect(result).rejects.toMatchObject({ status: 503, message: 'Convertro answered 503: busy' })
    expect(calls).toEqual([hit('sale.repeat'), hit('sale')])
  })

  it('re-sends both calls unchanged when the runtime retries an order whose second call failed', async () => {
    const calls = recordConvertroCalls([
      [200, 'OK'],
      [503, 'busy'],
      [200, 'OK']
    ])
    const attempt = () => order({ order_id: 'o-1', total: 20, repeat: true }, true)
    await expect(attempt()).rejects.toMatchObject({ status: 503 })
    testDestination.responses = []
    await expect(attempt()).resolves.toHaveLength(2)
    // The first call is sent again though Convertro recorded it: the same eid, sid, ts and val mark it as the same sale.
    expect(calls).toEqual([hit('sale.repeat', '20'), hit('sale', '20'), hit('sale.repeat', '20'), hit('sale', '20')])
  })

  it('does not send the second call when the first fails', async () => {
    const calls = recordConvertroCalls([[400, 'bad sid']])
    const result = order({ order_id: 'o-1', repeat: true }, true)
    await expect(result).rejects.toThrow(IntegrationError)
    await expect(result).rejects.toMatchObject({ status: 400, message: 'Convertro answered 400: bad sid' })
    expect(calls).toEqual([hit('sale.repeat')])
  })

  it('gives each order of a batch its own result: valid, invalid and failing', async () => {
    const calls = recordConvertroCalls((call) => (call.query.eid === 'o-3' ? [500, 'down'] : [200, 'OK']))
    await testDestination.testBatchAction('orderCompleted', {
      events: [
        testEvent({ type: 'track', event: 'Order Completed', properties: { order_id: 'o-1', repeat: true } }),
        testEvent({ type: 'track', event: 'Order Completed', properties: { order_id: ' ', total: 5 } }),
        testEvent({ type: 'track', event: 'Order Completed', properties: { order_id: 'o-3' } })
      ],
      settings: { ...SETTINGS, hybridAttributionModel: true },
      useDefaultMappings: true
    })
    expect(sorted(calls)).toEqual(
      sorted([
        expected('hit', { typ: 'sale.repeat', val: '1', eid: 'o-1' }),
        expected('hit', { typ: 'sale', val: '1', eid: 'o-1' }),
        expected('hit', { typ: 'sale', val: '1', eid: 'o-3' })
      ])
    )
    const [ok, invalid, failed] = testDestination.results[0].multistatus ?? []
    expect(ok).toEqual({
      status: 200,
      sent: { urls: [expect.stringContaining('typ=sale.repeat&'), expect.stringContaining('typ=sale&')] },
      body: 'OK'
    })
    // Rejected before sending: nothing sent, so the failure is reported as the integration's, not Convertro's.
    expect(invalid).toEqual(invalidEntry(/order id/))
    expect(invalid).toMatchObject({ errorreporter: 'INTEGRATIONS' })
    expect(invalid).not.toHaveProperty('sent')
    // Answered by Convertro: what was sent and the answer are kept, and the failure is Convertro's.
    expect(failed).toEqual({
      status: 500,
      errortype: 'INTERNAL_SERVER_ERROR',
      errormessage: 'Convertro answered 500: down',
      sent: { urls: [expect.stringContaining('eid=o-3')] },
      body: 'down',
      errorreporter: 'DESTINATION'
    })
  })
})
