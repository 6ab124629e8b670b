import fs from 'fs'
import path from 'path'
import readline from 'readline'
import { isObject } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'

/** What became of an event, as the journal keeps it and the Events view shows it. */
export interface StoredOutcome {
  status: 'sent' | 'skipped' | 'failed'
  /** Why nothing was sent (skipped), or the first error in plain words (failed). */
  reason?: string
  attempts: number
  subscriptions: StoredSubscription[]
}

export interface StoredSubscription {
  name: string
  partnerAction: string
  matched: boolean
  requests: { method: string; url: string; statusCode: number; body: unknown }[]
  error?: { name: string; message: string; summary: string; statusCode: number; retryable: boolean }
}

/**
 * The journal's lines. An event is `accepted` before its sender hears 200, gets an `attempt` line after each
 * try that must be retried (naming the subscriptions already finished, which are never run again, and what
 * each run so far sent), and a
 * `done` line once nothing is left to try.
 */
export type JournalRecord =
  | { t: 'accepted'; id: string; at: string; event: SegmentEvent }
  | { t: 'attempt'; id: string; attempt: number; finished: string[]; results: [string, StoredSubscription][] }
  | { t: 'done'; id: string; at: string; outcome: StoredOutcome }

interface PendingWrite {
  text: string
  resolve: () => void
  reject: (error: Error) => void
}

/** A parsed line as a journal record, or undefined when it does not have a record's shape. */
function asRecord(value: unknown): JournalRecord | undefined {
  if (!isObject(value) || typeof value.id !== 'string') return undefined
  if (value.t === 'accepted' && isObject(value.event) && typeof value.at === 'string') return value as JournalRecord
  if (value.t === 'attempt' && typeof value.attempt === 'number' && Array.isArray(value.finished)) {
    return { ...value, results: Array.isArray(value.results) ? value.results : [] } as JournalRecord
  }
  if (value.t === 'done' && isObject(value.outcome) && typeof value.outcome.status === 'string') {
    return value as JournalRecord
  }
  return undefined
}

/** Whether a process with this id is running. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes the journal for this process. Two servers on one journal would both take up its unfinished events
 * and send them twice; a lock left by a process that is gone (killed) is taken over.
 */
function lock(file: string): string {
  const lockFile = `${file}.lock`
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' })
      return lockFile
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number(fs.readFileSync(lockFile, 'utf8'))
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && running(owner)) {
        throw new Error(`${file} is in use by process ${owner}: give this server a --journal of its own`)
      }
      fs.rmSync(lockFile, { force: true })
    }
  }
}

/**
 * An append-only JSON-lines file. Appends that arrive while a write is under way are written together, and
 * each resolves only once its lines are on disk (fdatasync), so an answered request survives a crash. A
 * write that fails is cut back off the file, so no record is ever left torn before the next one.
 */
export class Journal {
  private queue: PendingWrite[] = []
  private writing?: Promise<void>
  /** Set when a failed write could not be cut back off: nothing more can be appended safely. */
  private broken?: Error

  private constructor(
    readonly file: string,
    private readonly lockFile: string,
    private handle: fs.promises.FileHandle,
    /** The length of the file's whole records. */
    private size: number
  ) {}

  /**
   * Opens the journal, reading every record it holds. A last line cut short by a crash was never
   * acknowledged (its sender is answered only after the write), so it is cut off and the sender retries it.
   */
  static async open(file: string, onRecord: (record: JournalRecord) => void, log: (line: string) => void) {
    await fs.promises.mkdir(path.dirname(file), { recursive: true })
    const lockFile = lock(file)
    let complete = 0
    if (fs.existsSync(file)) {
      const size = (await fs.promises.stat(file)).size
      const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
      let offset = 0
      let number = 0
      for await (const line of lines) {
        number++
        const end = offset + Buffer.byteLength(line) + 1
        // A line without its newline was still being written.
        if (end > size) break
        let record: JournalRecord | undefined
        try {
          record = asRecord(JSON.parse(line))
        } catch {
          // Reported below.
        }
        if (record) onRecord(record)
        else log(`${file}:${number}: not a journal record, ignored`)
        complete = end
        offset = end
      }
      if (complete < size) {
        log(`${file}: cut off ${size - complete} byte(s) of an unfinished last line`)
        await fs.promises.truncate(file, complete)
      }
    }
    return new Journal(file, lockFile, await fs.promises.open(file, 'a'), complete)
  }

  append(...records: JournalRecord[]): Promise<void> {
    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('')
    return new Promise((resolve, reject) => {
      this.queue.push({ text, resolve, reject })
      this.writing ??= this.flush()
    })
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const writes = this.queue.splice(0)
      const text = writes.map((write) => write.text).join('')
      try {
        if (this.broken) throw this.broken
        // writeFile writes all of it or throws; a bare write may stop short on a full disk.
        await this.handle.writeFile(text)
        await this.handle.datasync()
        this.size += Buffer.byteLength(text)
        writes.forEach((write) => write.resolve())
      } catch (error) {
        await this.handle.truncate(this.size).catch((cut: Error) => (this.broken ??= cut))
        writes.forEach((write) => write.reject(error as Error))
      }
    }
    this.writing = undefined
  }

  /**
   * Replaces the journal with these records, written beside it and renamed over it once on disk, so a crash
   * leaves the old journal or the new one, never a mix.
   */
  async rewrite(records: JournalRecord[]): Promise<void> {
    await this.writing
    const next = `${this.file}.${process.pid}.compact`
    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('')
    const handle = await fs.promises.open(next, 'w')
    try {
      await handle.writeFile(text)
      await handle.datasync()
    } finally {
      await handle.close()
    }
    await fs.promises.rename(next, this.file)
    await this.handle.close()
    this.handle = await fs.promises.open(this.file, 'a')
    this.size = Buffer.byteLength(text)
  }

  async close(): Promise<void> {
    await this.writing
    await this.handle.close()
    fs.rmSync(this.lockFile, { force: true })
  }
}
