import { PayloadValidationError } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import type { Subscription } from '@segment/browser-destination-runtime/types'
import { deliver, loaded, resetPage, subscriptionsFromPresets } from '../../test-utils'

jest.mock('@segment/browser-destination-runtime/load-script')

/** The subscription a classic events-map entry becomes, e.g. "Signed Up" → "signup". */
function mapped(segmentEvent: string, convertroEvent: string): Subscription {
  const [preset] = subscriptionsFromPresets().filter((subscription) => subscription.partnerAction === 'trackEvent')
  return {
    ...preset,
    subscribe: `type = "track" and event = "${segmentEvent}"`,
    mapping: { ...preset.mapping, event_type: convertroEvent }
  }
}

const track = (event: string, properties: JSONObject = {}) => ({ type: 'track' as const, event, properties })

describe('Convertro.trackEvent (device mode)', () => {
  beforeEach(resetPage)

  it('pushes a mapped event under its Convertro name, with no id or amount when there are none', async () => {
    const { plugins, received } = await loaded({}, [mapped('Signed Up', 'signup')])
    await deliver(plugins.trackEvent, track('Signed Up'))
    await deliver(plugins.trackEvent, track('Viewed Pricing'))

    expect(received).toStrictEqual([['trackEvent', { type: 'signup' }]])
  })

  it('pushes the order id as id', async () => {
    const { plugins, received } = await loaded({}, [mapped('Quote Requested', 'quote')])
    await deliver(plugins.trackEvent, track('Quote Requested', { order_id: 'q-7', revenue: 20 }))

    expect(received).toStrictEqual([['trackEvent', { type: 'quote', id: 'q-7', amount: 20 }]])
  })

  it('pushes a numeric order id as text, since the browser runtime passes it on as a number', async () => {
    const { plugins, received } = await loaded()
    await deliver(plugins.trackEvent, track('Quote Requested', { order_id: 1001 }))

    expect(received).toStrictEqual([['trackEvent', { type: 'Quote Requested', id: '1001' }]])
  })

  it.each([[{ id: 'q-7' }], [null], ['']])('leaves out an order id of %p', async (orderId) => {
    const { plugins, received } = await loaded()
    await deliver(plugins.trackEvent, track('Quote Requested', { order_id: orderId }))

    expect(received).toStrictEqual([['trackEvent', { type: 'Quote Requested' }]])
  })

  it.each([
    [42, [['trackEvent', { type: '42' }]]],
    [{ name: 'signup' }, []]
  ])('reads a Convertro event type of %p as text, pushing %p', async (code, pushes) => {
    const [preset] = subscriptionsFromPresets().filter((subscription) => subscription.partnerAction === 'trackEvent')
    const subscription = { ...preset, mapping: { event_type: { '@path': '$.properties.code' } } }
    const { plugins, received } = await loaded({}, [subscription])
    const delivery = deliver(plugins.trackEvent, track('Signed Up', { code }))

    if (pushes.length === 0) await expect(delivery).rejects.toThrow(PayloadValidationError)
    else await delivery
    expect(received).toStrictEqual(pushes)
  })

  describe('amount: total, else revenue, else none', () => {
    it.each([
      [{ total: 25, revenue: 20 }, { amount: 25 }],
      [{ revenue: 20 }, { amount: 20 }],
      [{}, {}],
      [{ total: 0, revenue: 20 }, { amount: 0 }],
      [{ total: '12.50', revenue: 20 }, { amount: 12.5 }],
      [{ total: 'lots', revenue: '-3' }, { amount: -3 }],
      [{ total: '', revenue: null }, {}],
      [{ total: true, revenue: '5e1' }, {}],
      [{ total: '9'.repeat(400), revenue: 20 }, { amount: 20 }],
      [{ total: '9'.repeat(400) }, {}]
    ])('%p pushes %p', async (properties, amount) => {
      const { plugins, received } = await loaded()
      await deliver(plugins.trackEvent, track('Product Added', properties))

      expect(received).toStrictEqual([['trackEvent', { type: 'Product Added', ...amount }]])
    })
  })

  it('by default sends every track event but Order Completed under its own name, Application Installed too', async () => {
    const { plugins, received } = await loaded()
    for (const event of ['Product Viewed', 'Order Completed', 'Application Installed']) {
      await deliver(plugins.trackEvent, track(event, { order_id: 'o-1' }))
    }
    await deliver(plugins.trackEvent, { type: 'identify', userId: 'u-1' })
    await deliver(plugins.trackEvent, { type: 'page', event: 'Signed Up' })

    // Device mode has no install action: its trackEvent takes the install, as the classic destination did.
    expect(received).toStrictEqual([
      ['trackEvent', { type: 'Product Viewed', id: 'o-1' }],
      ['trackEvent', { type: 'Application Installed', id: 'o-1' }]
    ])
  })

  it('rejects an event whose Convertro event type maps to nothing, pushing nothing', async () => {
    const { plugins, received } = await loaded({}, [mapped('Signed Up', '')])

    const delivery = deliver(plugins.trackEvent, track('Signed Up'))

    await expect(delivery).rejects.toThrow(PayloadValidationError)
    await expect(delivery).rejects.toThrow(
      'Missing event type, so nothing was pushed to Convertro. Map "Convertro Event Type" (default: the event name).'
    )
    expect(received).toStrictEqual([])
  })
})
