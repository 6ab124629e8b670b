import { DedupeWindow, ID_BYTES, fingerprint } from '../dedupe'

const ids = (count: number, prefix = 'id') => Array.from({ length: count }, (_, index) => `${prefix}-${index}`)

describe('DedupeWindow', () => {
  it('knows the ids added, and no other', () => {
    const window = new DedupeWindow()
    for (const id of ids(10_000)) expect(window.add(fingerprint(id), 1000)).toBe(true)
    expect(window.size).toBe(10_000)
    expect(ids(10_000).every((id) => window.has(fingerprint(id)))).toBe(true)
    expect(ids(10_000, 'other').some((id) => window.has(fingerprint(id)))).toBe(false)
    // Added once: a second add changes nothing.
    expect(window.add(fingerprint('id-5'), 2000)).toBe(false)
    expect(window.size).toBe(10_000)
  })

  it('lets go of the ids older than the window, oldest first, and of the memory they alone held', () => {
    const window = new DedupeWindow()
    // 200,000 ids, one a second: about three blocks of the log.
    const all = ids(200_000)
    all.forEach((id, second) => window.add(fingerprint(id), second))
    const full = window.bytes
    window.expire(150_000)
    expect(window.size).toBe(50_000)
    expect(window.start).toBe(150_000)
    expect(window.end).toBe(200_000)
    expect(all.slice(149_990, 150_000).some((id) => window.has(fingerprint(id)))).toBe(false)
    expect(all.slice(150_000).every((id) => window.has(fingerprint(id)))).toBe(true)
    expect(window.bytes).toBeLessThan(full)
    // An id gone out of the window can come in again.
    expect(window.add(fingerprint('id-0'), 300_000)).toBe(true)
    expect(window.has(fingerprint('id-0'))).toBe(true)
  })

  it('costs at most 32 bytes an id, and 2 MB of partly filled blocks', () => {
    const window = new DedupeWindow()
    for (const count of [1, 70_000, 300_000]) {
      while (window.size < count) window.add(fingerprint(`m-${window.size}`), 1)
      expect(window.bytes).toBeLessThanOrEqual(32 * window.size + 2 * 1024 * 1024 + 16 * 1024)
    }
  })

  it('gives its ids as the ids file stores them: the fingerprint and the second, 16 bytes each', () => {
    const window = new DedupeWindow()
    ids(5).forEach((id, index) => window.add(fingerprint(id), 1_764_000_000 + index))
    const encoded = window.encode(2)
    expect(encoded.length).toBe(3 * ID_BYTES)
    const read = (at: number) => [0, 4, 8, 12].map((offset) => encoded.readUInt32LE(at * ID_BYTES + offset))
    expect([0, 1, 2].map(read)).toEqual(
      [2, 3, 4].map((index) => [...fingerprint(`id-${index}`), 1_764_000_000 + index])
    )
  })
})
