import { readBoolean, saleTypes } from '../convertro-rules'
import { ATTRIBUTION_TABLE } from './__helpers__/attribution'

describe('Convertro shared rules', () => {
  it.each(ATTRIBUTION_TABLE)('reads repeat = %p, hybrid = %p as the sale types %p', (repeat, hybrid, types) => {
    expect(saleTypes(readBoolean(repeat), hybrid)).toStrictEqual(types)
  })
})
