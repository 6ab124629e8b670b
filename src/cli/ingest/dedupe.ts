import crypto from 'crypto'

/**
 * A message id as the dedupe window keeps it: the first 96 bits of its SHA-256, as three 32-bit words. Two ids
 * of one window sharing them is about as likely as n² / 2⁹⁷ (10 million ids: 6 in 10¹⁶), so a fresh event is
 * never in practice taken for a resend.
 */
export type Fingerprint = [number, number, number]

export function fingerprint(id: string): Fingerprint {
  const digest = crypto.hash('sha256', id, 'buffer')
  return [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8)]
}

/** Words per id: the fingerprint's three, and when it was accepted (whole seconds since 1970). */
const WORDS = 4
/** Bytes per id, in memory's log and in the ids file alike. */
export const ID_BYTES = WORDS * 4
/** Ids per block of the log: 1 MB. */
const BLOCK = 65_536
const MIN_SLOTS = 4096

/**
 * The message ids accepted within the dedupe window, at a fixed cost per id: a log of 16 bytes an id (fingerprint
 * and time, in the order they were accepted, in blocks of 1 MB) and an index of 4-byte slots kept between a
 * quarter and half full, so 8 to 16 bytes an id: 24 to 32 bytes an id, and up to 2 MB of partly filled blocks. Both live outside the JavaScript heap, as typed arrays.
 * Ids leave from the oldest end once older than the window.
 */
export class DedupeWindow {
  private blocks: Uint32Array[] = []
  /** Ids let go of with the blocks that held them. */
  private base = 0
  /** The first id still in the window, and the next to be written, counted from the first block's start. */
  private head = 0
  private tail = 0
  /** Each slot holds an id's place in the log plus one, or 0 when free; its place comes from the fingerprint. */
  private slots = new Uint32Array(MIN_SLOTS)
  /** Slots taken, by ids in the window or by ids gone out of it since the index was last built. */
  private taken = 0

  /** Ids in the window. */
  get size(): number {
    return this.tail - this.head
  }

  /** Bytes the window holds in memory, log and index. */
  get bytes(): number {
    return this.blocks.length * BLOCK * ID_BYTES + this.slots.byteLength
  }

  /** The place the next id takes: ids added so far, counted from the first. */
  get end(): number {
    return this.base + this.tail
  }

  /** The place of the oldest id still in the window. */
  get start(): number {
    return this.base + this.head
  }

  /** Whether an id with this fingerprint is in the window. */
  has(print: Fingerprint): boolean {
    const mask = this.slots.length - 1
    for (let slot = print[0] & mask; this.slots[slot] !== 0; slot = (slot + 1) & mask) {
      const place = this.slots[slot] - 1
      if (place >= this.head && this.matches(place, print)) return true
    }
    return false
  }

  /** Adds an id accepted at `seconds` (since 1970), unless it is there already. Returns whether it was added. */
  add(print: Fingerprint, seconds: number): boolean {
    if (this.has(print)) return false
    const offset = this.tail % BLOCK
    if (offset === 0) this.blocks.push(new Uint32Array(BLOCK * WORDS))
    const block = this.blocks[this.blocks.length - 1]
    block.set([print[0], print[1], print[2], seconds >>> 0], offset * WORDS)
    this.tail++
    if (2 * (this.taken + 1) > this.slots.length) this.index()
    else this.place(this.slots, print[0], this.tail)
    return true
  }

  /** Lets go of the ids accepted before `seconds`, oldest first, and of the log's blocks they alone held. */
  expire(seconds: number): void {
    while (this.head < this.tail && this.secondsAt(this.head) < seconds) this.head++
    const spent = Math.floor(this.head / BLOCK)
    if (spent === 0) return
    this.blocks.splice(0, spent)
    this.base += spent * BLOCK
    this.head -= spent * BLOCK
    this.tail -= spent * BLOCK
    this.index()
  }

  /**
   * The ids from place `from` (or the oldest still in the window, if later) up to the end, as the ids file stores
   * them: 16 bytes each, little-endian words.
   */
  encode(from: number): Buffer {
    const first = Math.max(from - this.base, this.head)
    const buffer = Buffer.alloc(Math.max(0, this.tail - first) * ID_BYTES)
    for (let place = first, at = 0; place < this.tail; place++, at += ID_BYTES) {
      const block = this.blocks[Math.floor(place / BLOCK)]
      const offset = (place % BLOCK) * WORDS
      for (let word = 0; word < WORDS; word++) buffer.writeUInt32LE(block[offset + word], at + word * 4)
    }
    return buffer
  }

  private secondsAt(place: number): number {
    return this.blocks[Math.floor(place / BLOCK)][(place % BLOCK) * WORDS + 3]
  }

  private matches(place: number, print: Fingerprint): boolean {
    const block = this.blocks[Math.floor(place / BLOCK)]
    const offset = (place % BLOCK) * WORDS
    return block[offset] === print[0] && block[offset + 1] === print[1] && block[offset + 2] === print[2]
  }

  private place(slots: Uint32Array, hash: number, value: number): void {
    const mask = slots.length - 1
    let slot = hash & mask
    while (slots[slot] !== 0) slot = (slot + 1) & mask
    slots[slot] = value
    if (slots === this.slots) this.taken++
  }

  /**
   * Builds the index again from the ids in the window, with room for them at most half full: more than a quarter
   * full, unless that is below the smallest index.
   */
  private index(): void {
    let size = MIN_SLOTS
    while (size < 2 * (this.size + 1)) size *= 2
    const slots = new Uint32Array(size)
    for (let place = this.head; place < this.tail; place++) {
      const block = this.blocks[Math.floor(place / BLOCK)]
      this.place(slots, block[(place % BLOCK) * WORDS], place + 1)
    }
    this.slots = slots
    this.taken = this.size
  }
}
