import fs from 'fs'
import { isObject } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import { PathRefusal, inWords, readOwnLines, setTornLineAside, writablePath } from '../lib/files'
import { parseJson } from '../lib/json'
import { WriteHealth } from '../lib/write-health'

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
 * `done` line once nothing is left to try. A `seen` line keeps only the message id of an event accepted within the
 * dedupe window whose records were compacted away, so a resend after a restart is still known.
 */
export type JournalRecord =
  | { t: 'accepted'; id: string; at: string; event: SegmentEvent }
  | { t: 'seen'; id: string; at: string }
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
  if (value.t === 'seen' && typeof value.at === 'string') return value as JournalRecord
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

/** What a journal's lock says: the process holding it, and, once it listens, where its server answers. */
export interface LockHolder {
  pid: number
  url?: string
  /** Where its collector answers plain http, for the tools that route `convertro.test` to it. */
  collector?: string | null
}

/** The lock of a journal at this real path. */
export const lockFileOf = (real: string) => `${real}.lock`

/** Who holds a lock, if the lock is still there and names a process (a bare pid, or a JSON object). */
export function readLock(lockFile: string): LockHolder | undefined {
  try {
    const text = fs.readFileSync(lockFile, 'utf8')
    const held = text.startsWith('{') ? (parseJson(text) as LockHolder) : { pid: Number(text) }
    return Number.isInteger(held.pid) && held.pid > 0 ? held : undefined
  } catch {
    return undefined
  }
}

/** The holder of a lock when that process is still running. */
export function liveHolder(lockFile: string): LockHolder | undefined {
  const held = readLock(lockFile)
  return held && running(held.pid) ? held : undefined
}

/**
 * Takes the journal for this process. Two servers on one journal would both take up its unfinished events
 * and send them twice; a lock left by a process that is gone (killed) is taken over. `real` has its symbolic
 * links resolved, so two names for one file meet at one lock.
 */
function lock(real: string, given: string): string {
  const lockFile = lockFileOf(real)
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' })
      return lockFile
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PathRefusal(`--journal ${given}: cannot take its lock ${lockFile}: ${inWords(error)}`)
      }
      const owner = readLock(lockFile)?.pid
      if (owner !== undefined && owner !== process.pid && running(owner)) {
        throw new PathRefusal(`${given} is in use by process ${owner}: give this server a --journal of its own`)
      }
      fs.rmSync(lockFile, { force: true })
    }
  }
}

/** Journal lines hold an event (100 levels at most) and Convertro's answers, whose depth is theirs. */
const LINE_DEPTH = 1000

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
  private readonly health: WriteHealth

  private constructor(
    /** The journal's real path (symbolic links resolved). */
    readonly file: string,
    private readonly lockFile: string,
    private handle: fs.promises.FileHandle,
    /** The length of the file's whole records. */
    private size: number,
    log: (line: string) => void
  ) {
    this.health = new WriteHealth(file, 'the Tracking API answers 503 until it can, so senders keep their events', log)
  }

  /**
   * Opens the journal, reading every record it holds, and refuses (changing nothing) a file that is not a
   * journal. A last line cut short by a crash was never acknowledged (its sender is answered only after the
   * write, and retries): it is moved aside, to a file the log names.
   */
  static async open(file: string, onRecord: (record: JournalRecord) => void, log: (line: string) => void) {
    const real = writablePath(file, '--journal')
    const lockFile = lock(real, file)
    try {
      const take = (value: unknown) => {
        const record = asRecord(value)
        if (record) onRecord(record)
        return record !== undefined
      }
      const lines = await readOwnLines(real, '--journal', {
        kind: 'journal',
        prefix: '{"t":"',
        depth: LINE_DEPTH,
        take
      })
      await setTornLineAside(real, lines, log)
      return new Journal(real, lockFile, await fs.promises.open(real, 'a'), lines.complete, log)
    } catch (error) {
      // A start that fails leaves no lock behind to stop the next one.
      fs.rmSync(lockFile, { force: true })
      throw error
    }
  }

  /**
   * Says in the lock where this server answers, so `replay` finds it. Written beside and renamed, so a
   * server starting meanwhile never reads a half-written lock and takes it.
   */
  announce(where: Omit<LockHolder, 'pid'>): void {
    const next = `${this.lockFile}.${process.pid}`
    fs.writeFileSync(next, JSON.stringify({ pid: process.pid, ...where }))
    fs.renameSync(next, this.lockFile)
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
        this.health.worked()
        writes.forEach((write) => write.resolve())
      } catch (error) {
        this.health.failed(error)
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
    try {
      const handle = await fs.promises.open(next, 'w')
      try {
        await handle.writeFile(text)
        await handle.datasync()
      } finally {
        await handle.close()
      }
      await fs.promises.rename(next, this.file)
    } catch (error) {
      await fs.promises.rm(next, { force: true })
      throw error
    }
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
