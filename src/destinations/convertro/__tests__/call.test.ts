import { amount, toDecimal, toSearchParams, toUnixSeconds } from '../call'

describe('Convertro numbers', () => {
  it.each([
    [50.99, '50.99'],
    [0, '0'],
    [-0, '0'],
    [-3, '-3'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [-1e-7, '-0.0000001'],
    [0.5, '0.5'],
    [0.1 + 0.2, '0.30000000000000004'],
    [123.456e5, '12345600'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    ['50.99', '50.99'],
    ['-3', '-3'],
    ['007', '7'],
    ['12.50', '12.5'],
    ['000.000', '0'],
    ['-0.0', '0'],
    ['-0.50', '-0.5'],
    ['123456789012345678901234567890.5', '123456789012345678901234567890.5']
  ])('sends %p as %p', (value, decimal) => {
    expect(toDecimal(value)).toBe(decimal)
  })

  it.each([
    NaN,
    Infinity,
    -Infinity,
    'lots',
    '',
    ' 5',
    '5 ',
    '5e1',
    '+5',
    '.5',
    '5.',
    '1,000',
    '0x10',
    null,
    true,
    {},
    []
  ])('treats %p as absent', (value) => {
    expect(toDecimal(value)).toBeUndefined()
  })

  it('picks the first number and falls back to 1', () => {
    expect(amount('lots', undefined, 7)).toBe('7')
    expect(amount(0, 7)).toBe('0')
    expect(amount('lots', null)).toBe('1')
    expect(amount()).toBe('1')
  })
})

describe('Convertro timestamps', () => {
  it.each([
    ['2024-03-05T10:20:30.999Z', '1709634030'],
    ['2024-03-05T10:20:30.000Z', '1709634030'],
    ['2024-03-05T10:20:30Z', '1709634030'],
    ['2024-03-05T11:20:30.5+01:00', '1709634030'],
    [1709634030999, '1709634030'],
    ['1709634030999', '1709634030'],
    ['1709634030', '1709634030'],
    ['1709634030.5', '1709634030'],
    ['-1', '-1']
  ])('sends %p as %p, truncated', (value, ts) => {
    expect(toUnixSeconds(value)).toBe(ts)
  })

  it.each([undefined, '', 'yesterday', NaN, Infinity, 1e21, -1e16, 8.64e15 + 1, '1e+21', '9999999999999999'])(
    'treats %p as missing',
    (value) => {
      expect(toUnixSeconds(value)).toBeUndefined()
    }
  )

  it('keeps the furthest times a Date can hold', () => {
    expect(toUnixSeconds(8.64e15)).toBe('8640000000000')
    expect(toUnixSeconds(-8.64e15)).toBe('-8640000000000')
  })
})

describe('Convertro query', () => {
  it('leaves out absent and empty parameters and keeps 0 and false', () => {
    const params = toSearchParams({ sid: 'd', ts: '1', cua: undefined, cip: '', val: '0', eid: String(false) })
    expect([...params]).toEqual([
      ['sid', 'd'],
      ['ts', '1'],
      ['val', '0'],
      ['eid', 'false']
    ])
  })
})
