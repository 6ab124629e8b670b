import { isAmount, saleTypes } from '../convertro-rules'
import { ATTRIBUTION_TABLE } from './__helpers__/attribution'

describe('Convertro shared rules', () => {
  it.each(ATTRIBUTION_TABLE)('reads repeat = %p, hybrid = %p as the sale types %p', (repeat, hybrid, types) => {
    expect(saleTypes(repeat, hybrid)).toStrictEqual(types)
  })

  it.each([['true'], [1], ['yes']])('turns the hybrid model on only for a real true, not %p', (hybrid) => {
    expect(saleTypes(true, hybrid)).toStrictEqual(['sale.repeat'])
  })

  it.each([[50.99], [0], [-3], ['50.99'], ['-3'], ['0']])('counts %p as an amount', (value) => {
    expect(isAmount(value)).toBe(true)
  })

  it.each([['lots'], [''], [' 5'], ['5e1'], ['.5'], ['+5'], [NaN], [Infinity], [null], [undefined], [true]])(
    'does not count %p as an amount',
    (value) => {
      expect(isAmount(value)).toBe(false)
    }
  )
})
