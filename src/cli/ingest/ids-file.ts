import fs from 'fs'
import path from 'path'
import { PathRefusal, writablePath } from '../lib/files'
import { ID_BYTES } from './dedupe'

/** How an ids file begins: 16 bytes, one record's length, so records stay aligned. */
const HEADER = Buffer.from('convertro ids 1\n')

/** A step of a write that replaces or extends a file, for tests that stop the process there. */
export type StepHook = (step: string) => Promise<void> | void

/** Makes a rename in this folder last: the folder's own entry is synced (where the system allows it). */
export async function syncFolder(file: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined
  try {
    handle = await fs.promises.open(path.dirname(file), 'r')
    await handle.sync()
  } catch {
    // Not every system syncs a folder; the rename is still atomic there.
  } finally {
    await handle?.close()
  }
}

/**
 * The dedupe window's message ids that the journal no longer holds whole, beside it (`<journal>.ids`): a header,
 * then 16 bytes an id (its fingerprint and when it was accepted), in the order they were saved. Ids are appended,
 * and synced, before the journal lets go of their events; the file is written again without the ids gone out of
 * the window once they are most of it.
 */
export class IdsFile {
  private constructor(
    readonly file: string,
    /** The length of the file's header and whole records; 0 while there is no file. */
    private size: number
  ) {}

  /** Records in the file. */
  get count(): number {
    return Math.max(0, this.size - HEADER.length) / ID_BYTES
  }

  /** Bytes on disk. */
  get bytes(): number {
    return this.size
  }

  /**
   * Reads the ids a journal keeps beside it, giving each record to `take`. A file that does not begin as an ids file
   * is refused and left as it is; a last record cut short by a crash (an append that was never relied on, since the
   * journal keeps its events until the append is synced) is cut off.
   */
  static async open(journal: string, take: (record: Buffer) => void, log: (line: string) => void): Promise<IdsFile> {
    const file = writablePath(`${journal}.ids`, '--journal')
    let data: Buffer
    try {
      data = await fs.promises.readFile(file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new IdsFile(file, 0)
      throw error
    }
    if (data.length === 0) return new IdsFile(file, 0)
    if (data.length < HEADER.length || !data.subarray(0, HEADER.length).equals(HEADER)) {
      throw new PathRefusal(
        `--journal ${journal}: ${file} is not a file of message ids this server wrote (it does not begin as one): ` +
          'it is left as it is; move it away, or give --journal a new file'
      )
    }
    const records = Math.floor((data.length - HEADER.length) / ID_BYTES)
    const whole = HEADER.length + records * ID_BYTES
    if (whole < data.length) {
      await fs.promises.truncate(file, whole)
      log(`${file}: cut off an unfinished last record (${data.length - whole} bytes)`)
    }
    for (let at = HEADER.length; at < whole; at += ID_BYTES) take(data.subarray(at, at + ID_BYTES))
    return new IdsFile(file, whole)
  }

  /** Appends records (16 bytes each) and syncs them; a write that fails is cut back off. */
  async append(records: Buffer, step: StepHook = () => undefined): Promise<void> {
    if (records.length === 0) return
    const handle = await fs.promises.open(this.file, 'a')
    const before = this.size
    const text = before === 0 ? Buffer.concat([HEADER, records]) : records
    try {
      await handle.writeFile(text)
      await step('ids-written')
      await handle.datasync()
      this.size += text.length
    } catch (error) {
      await handle.truncate(before).catch(() => undefined)
      throw error
    } finally {
      await handle.close()
    }
    await step('ids-saved')
  }

  /** Replaces the file with these records, written beside it and renamed over it once on disk. */
  async rewrite(records: Buffer, step: StepHook = () => undefined): Promise<void> {
    const next = `${this.file}.${process.pid}.compact`
    try {
      const handle = await fs.promises.open(next, 'w')
      try {
        await handle.writeFile(Buffer.concat([HEADER, records]))
        await step('ids-copy-written')
        await handle.datasync()
      } finally {
        await handle.close()
      }
      await fs.promises.rename(next, this.file)
      await syncFolder(this.file)
    } catch (error) {
      await fs.promises.rm(next, { force: true })
      throw error
    }
    this.size = HEADER.length + records.length
    await step('ids-replaced')
  }
}
