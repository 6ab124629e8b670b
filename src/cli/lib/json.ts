/**
 * The one way JSON comes in, for every body and file the product reads. JSON.parse takes any depth, but
 * JSON.stringify, actions-core's mapping and validation all recurse, so a value nested a few thousand levels
 * deep would overflow the stack wherever it went next: it is refused before it is parsed.
 */

/** The deepest nesting of objects and arrays accepted: far beyond any real event, far below the stack's reach. */
export const JSON_DEPTH_LIMIT = 100

/** Input that is not JSON, or JSON beyond the limits; the message says which and why. */
export class JsonInputError extends Error {
  readonly name = 'JsonInputError'

  /** `syntax`: the parser's own words, when the text is not JSON at all. */
  constructor(message: string, readonly syntax?: string) {
    super(message)
  }
}

const OPEN_OBJECT = 0x7b
const OPEN_ARRAY = 0x5b
const CLOSE_OBJECT = 0x7d
const CLOSE_ARRAY = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/** The deepest nesting in JSON text, found without parsing it (and so without recursion). */
export function textDepth(text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (inString) {
      if (code === BACKSLASH) index++
      else if (code === QUOTE) inString = false
    } else if (code === QUOTE) {
      inString = true
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      if (++depth > deepest) deepest = depth
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth--
    }
  }
  return deepest
}

/** The deepest nesting in a parsed value, walked with a list rather than recursion; stops past `limit`. */
export function valueDepth(value: unknown, limit = JSON_DEPTH_LIMIT): number {
  let deepest = 0
  const pending: [unknown, number][] = [[value, 1]]
  while (pending.length > 0) {
    const [item, depth] = pending.pop() as [unknown, number]
    if (item === null || typeof item !== 'object') continue
    if (depth > deepest) deepest = depth
    if (deepest > limit) return deepest
    for (const child of Object.values(item)) pending.push([child, depth + 1])
  }
  return deepest
}

/** Follows "is" (`file.json is …`), as the malformed case does. */
export const tooDeep = (limit = JSON_DEPTH_LIMIT) => `nested deeper than ${limit} levels, the limit for JSON input`

/**
 * Parses JSON text within the depth limit. A byte order mark is not JSON, but some senders and editors
 * write one, so it is dropped.
 */
export function parseJson(text: string, limit = JSON_DEPTH_LIMIT): unknown {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (textDepth(json) > limit) throw new JsonInputError(tooDeep(limit))
  try {
    return JSON.parse(json) as unknown
  } catch (error) {
    throw new JsonInputError(`not valid JSON: ${(error as Error).message}`, (error as Error).message)
  }
}
