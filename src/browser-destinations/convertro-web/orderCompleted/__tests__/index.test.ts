import { PayloadValidationError } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import type { ConvertroCommand } from '../../types'
import { ATTRIBUTION_TABLE } from '../../../../shared/__tests__/__helpers__/attribution'
import { deliver, loaded, resetPage } from '../../test-utils'

jest.mock('@segment/browser-destination-runtime/load-script')

const order = (properties: JSONObject) => ({ type: 'track' as const, event: 'Order Completed', properties })

const sale = (type: string, amount: number | undefined): ConvertroCommand => [
  'trackEvent',
  amount === undefined ? { type, id: 'o-1' } : { type, id: 'o-1', amount }
]

describe('Convertro.orderCompleted (device mode)', () => {
  beforeEach(resetPage)

  describe('attribution table: repeat × hybridAttributionModel', () => {
    it.each(ATTRIBUTION_TABLE)(
      'repeat = %p, hybrid = %p pushes %p, the specific type first',
      async (repeat, hybrid, types) => {
        const { plugins, received } = await loaded({ hybridAttributionModel: hybrid })
        const properties: JSONObject = { order_id: 'o-1', total: 50.99 }
        if (repeat !== undefined) properties.repeat = repeat
        await deliver(plugins.orderCompleted, order(properties))

        expect(received).toStrictEqual(types.map((type) => sale(type, 50.99)))
      }
    )

    it('treats a missing hybridAttributionModel setting as off', async () => {
      const { plugins, received } = await loaded({ hybridAttributionModel: undefined })
      await deliver(plugins.orderCompleted, order({ order_id: 'o-1', total: 50.99, repeat: true }))

      expect(received).toStrictEqual([sale('sale.repeat', 50.99)])
    })
  })

  describe('amount: total, else revenue, else none', () => {
    it.each([
      [{ total: 100, revenue: 90 }, 100],
      [{ revenue: 90 }, 90],
      [{}, undefined],
      [{ total: 0, revenue: 90 }, 0],
      [{ total: '12.50', revenue: 90 }, 12.5],
      [{ total: 'lots', revenue: 90 }, 90],
      [{ total: '', revenue: 'n/a' }, undefined],
      [{ total: null, revenue: null }, undefined],
      [{ total: '9'.repeat(400), revenue: 90 }, 90],
      [{ total: '9'.repeat(400), revenue: '-1' + '0'.repeat(400) }, undefined]
    ])('%p pushes amount %p', async (amounts, amount) => {
      const { plugins, received } = await loaded({ hybridAttributionModel: true })
      await deliver(plugins.orderCompleted, order({ order_id: 'o-1', repeat: false, ...amounts }))

      expect(received).toStrictEqual([sale('sale.new', amount), sale('sale', amount)])
    })
  })

  it.each([
    ['missing', {}],
    ['empty', { order_id: '' }],
    ['blank', { order_id: '  ' }]
  ])('rejects an order whose id is %s, pushing nothing', async (_case, id) => {
    const { plugins, received } = await loaded({ hybridAttributionModel: true })
    const delivery = deliver(plugins.orderCompleted, order({ ...id, total: 50.99, repeat: true }))

    await expect(delivery).rejects.toThrow(PayloadValidationError)
    await expect(delivery).rejects.toThrow(
      'Missing order id, so nothing was pushed to Convertro. Map "Order ID" (default: properties.order_id).'
    )
    expect(received).toStrictEqual([])
  })

  it('pushes a numeric order id as text, since the browser runtime passes it on as a number', async () => {
    const { plugins, received } = await loaded()
    await deliver(plugins.orderCompleted, order({ order_id: 1001, total: 50.99, repeat: false }))

    expect(received).toStrictEqual([['trackEvent', { type: 'sale.new', id: '1001', amount: 50.99 }]])
  })

  it.each([
    ['an object', { order_id: { id: 'o-1' } }],
    ['a boolean', { order_id: true }],
    ['null', { order_id: null }]
  ])('rejects an order whose id is %s, pushing nothing', async (_case, id) => {
    const { plugins, received } = await loaded()
    const delivery = deliver(plugins.orderCompleted, order({ ...id, total: 50.99, repeat: true }))

    await expect(delivery).rejects.toThrow(PayloadValidationError)
    expect(received).toStrictEqual([])
  })

  it('is triggered by an Order Completed track only', async () => {
    const { plugins, received } = await loaded()
    await deliver(plugins.orderCompleted, { type: 'track', event: 'Order Refunded', properties: { order_id: 'o-1' } })
    await deliver(plugins.orderCompleted, { type: 'page', event: 'Order Completed', properties: { order_id: 'o-1' } })

    expect(received).toStrictEqual([])
  })
})
