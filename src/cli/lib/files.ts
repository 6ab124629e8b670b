import fs from 'fs'
import path from 'path'
import readline from 'readline'
import { parseJson } from './json'

/** A path the product will not write to, with the reason in words. */
export class PathRefusal extends Error {
  readonly name = 'PathRefusal'
}

const WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'a read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'over the disk quota',
  EIO: 'an input/output error',
  ENOENT: 'no such file or folder',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links'
}

/** A system error in words, with its code for searching: "no space left on the device (ENOSPC)". */
export function inWords(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  const words = code !== undefined && Object.hasOwn(WORDS, code) ? WORDS[code] : undefined
  return words ? `${words} (${code})` : (error as Error).message
}

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file)
  } catch {
    return undefined
  }
}

/**
 * Makes the folder a file goes in, one level at a time (Node's recursive mkdir never returns for a path under
 * /proc), saying in words what stands in the way.
 */
function makeFolder(file: string, flag: string): void {
  const missing: string[] = []
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const stat = statOf(dir)
    if (stat && !stat.isDirectory()) throw new PathRefusal(`${flag} ${file}: ${dir} is a file, not a folder`)
    if (stat || path.dirname(dir) === dir) break
    missing.unshift(dir)
  }
  for (const dir of missing) {
    try {
      fs.mkdirSync(dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw new PathRefusal(`${flag} ${file}: cannot create the folder ${dir}: ${inWords(error)}`)
    }
  }
}

/**
 * Checks a file the product is to write, before anything is written: its folder exists (or is made), it is a
 * file and not a folder or a device, and it can be written. Returns its real path, symbolic links resolved, so
 * a lock taken beside it is the same lock whichever link named it.
 */
export function writablePath(file: string, flag: string): string {
  makeFolder(file, flag)
  let real: string
  try {
    real = fs.realpathSync(file)
  } catch {
    real = path.join(fs.realpathSync(path.dirname(path.resolve(file))), path.basename(file))
  }
  const stat = statOf(real)
  if (stat?.isDirectory()) throw new PathRefusal(`${flag} ${file} is a folder, not a file`)
  if (stat && !stat.isFile()) throw new PathRefusal(`${flag} ${file} is not a regular file`)
  try {
    // Opening to append changes nothing; a file that is not there yet is created and removed again.
    fs.closeSync(fs.openSync(real, stat ? 'a' : 'wx'))
    if (!stat) fs.rmSync(real)
  } catch (error) {
    throw new PathRefusal(`${flag} ${file} is not writable: ${inWords(error)}`)
  }
  return real
}

/** What a file of the product's own JSON lines holds, as `readOwnLines` found it. */
export interface OwnLines {
  /** The length of its whole lines, in bytes. */
  complete: number
  /** The length of a last line cut short (no newline), which was being written when the process stopped. */
  torn: number
}

export interface LineFormat {
  /** What the file is, for messages: "journal", "collector records file". */
  kind: string
  /** How every line the product writes begins: a torn last line must begin so too. */
  prefix: string
  /**
   * Takes one parsed line, with its length in bytes (newline included) and where it begins in the file; false when
   * it is not one of the product's records.
   */
  take(value: unknown, bytes: number, start: number): boolean
  /** Deepest nesting a line may have. */
  depth: number
}

/**
 * Reads a JSON-lines file the product keeps, line by line, and refuses it (changing nothing) unless every whole
 * line is one of its records: a file that is something else must never be appended to or rewritten.
 */
export async function readOwnLines(file: string, flag: string, format: LineFormat): Promise<OwnLines> {
  const size = statOf(file)?.size ?? 0
  if (size === 0) return { complete: 0, torn: 0 }
  const input = fs.createReadStream(file)
  const lines = readline.createInterface({ input, crlfDelay: Infinity })
  try {
    return await takeLines(lines, size, file, flag, format)
  } finally {
    lines.close()
    input.destroy()
  }
}

async function takeLines(
  lines: readline.Interface,
  size: number,
  file: string,
  flag: string,
  format: LineFormat
): Promise<OwnLines> {
  let complete = 0
  let number = 0
  for await (const line of lines) {
    number++
    const end = complete + Buffer.byteLength(line) + 1
    if (end > size && line.startsWith(format.prefix)) break
    let taken = false
    try {
      taken = line === '' || format.take(parseJson(line, format.depth), end - complete, complete)
    } catch {
      // Not JSON: refused below like any line that is not a record.
    }
    if (!taken || end > size) {
      throw new PathRefusal(
        `${flag} ${file} is not a ${format.kind} this server wrote (line ${number} is not one of its records): ` +
          `it is left as it is; give ${flag} a new file`
      )
    }
    complete = end
  }
  return { complete, torn: size - complete }
}

/**
 * Moves a torn last line out of the file into `<file>.torn` (appended, so earlier ones stay), and says where:
 * it was never acknowledged, but it is kept for whoever wants to look.
 */
export async function setTornLineAside(file: string, lines: OwnLines, log: (line: string) => void): Promise<void> {
  if (lines.torn === 0) return
  const aside = `${file}.torn`
  const handle = await fs.promises.open(file, 'r')
  try {
    const { buffer } = await handle.read(Buffer.alloc(lines.torn), 0, lines.torn, lines.complete)
    await fs.promises.appendFile(aside, Buffer.concat([buffer, Buffer.from('\n')]))
  } finally {
    await handle.close()
  }
  await fs.promises.truncate(file, lines.complete)
  log(`${file}: moved an unfinished last line (${lines.torn} bytes) to ${aside}`)
}
