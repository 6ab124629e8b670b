import fs from 'fs'
import readline from 'readline'
import { Readable, pipeline } from 'stream'
import zlib from 'zlib'
import { isObject } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import StreamArray from 'stream-json/streamers/StreamArray'
import { JSON_DEPTH_LIMIT, parseJson, tooDeep, valueDepth } from './json'
import type { JsonInputError } from './json'

/** One line of a JSON-lines file, or one item of a JSON array, read as an event or found not to be one. */
export interface EventRecord {
  /** Where it is in the input, for messages: `line 12`, or `item 3` of a JSON array. */
  where: string
  event?: SegmentEvent
  /** Why it is not an event. */
  problem?: string
  /** Its text as it came, for the failed file. */
  text(): string
}

export interface EventSource {
  records: AsyncIterable<EventRecord>
  /** How far into the input the records read so far reach, in bytes of the input as stored. */
  position(): number
  /** The input's size in bytes; unknown for standard input. */
  size?: number
}

const GZIP_MAGIC = [0x1f, 0x8b]
const BOM = '\uFEFF'

/** Reads until `enough` says so or the stream ends, and hands back what was read and a stream of everything. */
async function peek(source: Readable, enough: (head: Buffer) => boolean): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const taken: Buffer[] = []
  let head = Buffer.alloc(0)
  while (!enough(head)) {
    const next = await iterator.next()
    if (next.done) break
    taken.push(next.value)
    head = Buffer.concat(taken)
  }
  async function* everything() {
    yield* taken
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value
  }
  return { head, stream: Readable.from(everything(), { objectMode: false }) }
}

/** The first character that is not white space (a byte-order mark counts as space), if any was read. */
function firstNonSpace(head: Buffer): string | undefined {
  return /[^\s\uFEFF]/.exec(head.toString('utf8'))?.[0]
}

function fromValue(where: string, value: unknown, text: () => string): EventRecord {
  if (isObject(value)) return { where, event: value as unknown as SegmentEvent, text }
  const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`
  return { where, problem: `not an event: ${kind}, not a JSON object`, text }
}

async function* lines(stream: Readable, name: string, consumed: (bytes: number) => void): AsyncGenerator<EventRecord> {
  const reader = readline.createInterface({ input: stream, crlfDelay: Infinity })
  let number = 0
  try {
    for await (const raw of reader) {
      number += 1
      consumed(Buffer.byteLength(raw) + 1)
      const line = number === 1 && raw.startsWith(BOM) ? raw.slice(1) : raw
      if (line.trim() === '') continue
      const where = `line ${number}`
      let value: unknown
      try {
        value = parseJson(line)
      } catch (error) {
        const { syntax, message } = error as JsonInputError
        yield { where, problem: syntax === undefined ? message : `not JSON: ${syntax}`, text: () => line }
        continue
      }
      yield fromValue(where, value, () => line)
    }
  } catch (error) {
    throw new Error(`Cannot read ${name} at line ${number + 1}: ${(error as Error).message}`)
  }
}

async function* items(stream: Readable, name: string): AsyncGenerator<EventRecord> {
  const parser = StreamArray.withParser()
  pipeline(stream, parser, () => undefined)
  try {
    for await (const { key, value } of parser as AsyncIterable<{ key: number; value: unknown }>) {
      const where = `item ${key + 1}`
      // The array is one level: an item may go one level less deep than a line.
      if (valueDepth(value, JSON_DEPTH_LIMIT - 1) > JSON_DEPTH_LIMIT - 1) {
        // Too deep to write back as it was: the failed file says what it was instead.
        const problem = tooDeep(JSON_DEPTH_LIMIT)
        yield { where, problem, text: () => JSON.stringify(`${name}, ${where}: ${problem}`) }
        continue
      }
      yield fromValue(where, value, () => JSON.stringify(value))
    }
  } catch (error) {
    throw new Error(`${name} is not a valid JSON array: ${(error as Error).message}`)
  }
}

/**
 * Opens a file of Segment events (`-`: standard input) as Segment's exports and archives hold them: one JSON
 * object a line, gzipped or not, or one JSON array. Nothing is read ahead beyond what the consumer takes.
 */
export async function openEvents(input: string): Promise<EventSource> {
  const name = input === '-' ? 'standard input' : input
  let size: number | undefined
  let raw: Readable
  if (input === '-') {
    raw = process.stdin
  } else {
    try {
      const stat = fs.statSync(input)
      if (!stat.isFile()) throw new Error('not a file')
      size = stat.size
    } catch (error) {
      throw new Error(`Cannot read ${name}: ${(error as Error).message}`)
    }
    raw = fs.createReadStream(input)
  }
  const bytesRead = () => (raw instanceof fs.ReadStream ? raw.bytesRead : 0)
  let consumed = 0

  let compressed = false
  let start: { head: Buffer; stream: Readable }
  try {
    start = await peek(raw, (head) => head.length >= GZIP_MAGIC.length)
    if (GZIP_MAGIC.every((byte, index) => start.head[index] === byte)) {
      compressed = true
      const gunzip = zlib.createGunzip()
      pipeline(start.stream, gunzip, () => undefined)
      start = await peek(gunzip, (head) => firstNonSpace(head) !== undefined)
    } else {
      start = await peek(start.stream, (head) => firstNonSpace(head) !== undefined)
    }
  } catch (error) {
    throw new Error(`Cannot read ${name}: ${(error as Error).message}`)
  }
  if (firstNonSpace(start.head) === '[') return { records: items(start.stream, name), position: bytesRead, size }
  const records = lines(start.stream, name, (bytes) => (consumed += bytes))
  // Plain lines are counted as they are read; otherwise, what was read from the disk (a little ahead) will do.
  return { records, position: compressed ? bytesRead : () => consumed, size }
}
