import fs from 'fs'
import path from 'path'
import readline from 'readline'
import { isObject } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import { PathRefusal, inWords, readOwnLines, setTornLineAside, writablePath } from '../lib/files'
import type { Fate } from '../lib/fate'
import { parseJson } from '../lib/json'
import { WriteHealth } from '../lib/write-health'
import { syncFolder } from './ids-file'
import type { StepHook } from './ids-file'

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
  /** What Segment's runtime would do with the event on this subscription (absent from older journals). */
  fate?: Fate
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
  /** The message id and length in bytes of each record in `text`. */
  lines: [string, number][]
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

/** Records as the journal writes them: one JSON object a line, its kind first and its message id second. */
const serialize = (record: JournalRecord) => `${JSON.stringify(record)}\n`
const ID_OF_LINE = /^\{"t":"[a-z]+","id":("(?:[^"\\]|\\.)*")/

/** The message id a journal line is about, read without parsing the rest of the line. */
function idOfLine(line: string): string | undefined {
  const match = ID_OF_LINE.exec(line)
  return match ? (JSON.parse(match[1]) as string) : undefined
}

/** Temp files that compactions stopped part way (by a crash) left beside a file. */
function leftovers(file: string): string[] {
  const dir = path.dirname(file)
  const name = path.basename(file)
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return []
  }
  return names
    .filter((other) => other.startsWith(`${name}.`) && /^\.\d+\.compact$/.test(other.slice(name.length)))
    .map((other) => path.join(dir, other))
}

/**
 * An append-only JSON-lines file. Appends that arrive while a write is under way are written together, and
 * each resolves only once its lines are on disk (fdatasync), so an answered request survives a crash. A
 * write that fails is cut back off the file, so no record is ever left torn before the next one.
 *
 * It knows how many bytes each event's lines take, and which events the pipeline no longer needs (`release`):
 * `compact` copies the file without their lines while appends go on, and renames the copy over it.
 */
export class Journal {
  private queue: PendingWrite[] = []
  /** The write under way. */
  private writing?: Promise<void>
  /** Set while the file is being replaced: appends wait in the queue. */
  private paused = false
  /** Set when a failed write could not be cut back off: nothing more can be appended safely. */
  private broken?: Error
  private readonly health: WriteHealth
  /** Events the pipeline still needs, with the bytes of their lines in the file. */
  private held = new Map<string, number>()
  /** Events whose lines the next compaction drops, with their bytes. */
  private released = new Map<string, number>()
  private releasedBytes = 0
  /** The events a compaction under way is dropping: their lines are in the file until it is renamed. */
  private dropping = new Map<string, number>()

  private constructor(
    /** The journal's real path (symbolic links resolved). */
    readonly file: string,
    private readonly lockFile: string,
    private handle: fs.promises.FileHandle,
    /** The length of the file's whole records. */
    private size: number,
    held: Map<string, number>,
    log: (line: string) => void
  ) {
    this.held = held
    this.health = new WriteHealth(file, 'the Tracking API answers 503 until it can, so senders keep their events', log)
  }

  /**
   * Opens the journal, reading every record it holds, and refuses (changing nothing) a file that is not a
   * journal. A last line cut short by a crash was never acknowledged (its sender is answered only after the
   * write, and retries): it is moved aside, to a file the log names. Copies left by a compaction a crash
   * stopped are removed: the journal itself is whole, the old one or the new. `beside` reads the files kept beside
   * it (given its real path) once it is known to be a journal, before anything is changed: a refusal there too
   * leaves everything as it was.
   */
  static async open(
    file: string,
    onRecord: (record: JournalRecord) => void,
    log: (line: string) => void,
    beside: (real: string) => Promise<void> = async () => undefined
  ) {
    const real = writablePath(file, '--journal')
    const lockFile = lock(real, file)
    try {
      const held = new Map<string, number>()
      const take = (value: unknown, bytes: number) => {
        const record = asRecord(value)
        if (record) {
          onRecord(record)
          held.set(record.id, (held.get(record.id) ?? 0) + bytes)
        }
        return record !== undefined
      }
      const lines = await readOwnLines(real, '--journal', {
        kind: 'journal',
        prefix: '{"t":"',
        depth: LINE_DEPTH,
        take
      })
      await beside(real)
      await setTornLineAside(real, lines, log)
      for (const stale of [...leftovers(real), ...leftovers(`${real}.ids`)]) fs.rmSync(stale, { force: true })
      return new Journal(real, lockFile, await fs.promises.open(real, 'a'), lines.complete, held, log)
    } catch (error) {
      // A start that fails leaves no lock behind to stop the next one.
      fs.rmSync(lockFile, { force: true })
      throw error
    }
  }

  /** Bytes on disk. */
  get bytes(): number {
    return this.size
  }

  /** Bytes of lines of events the pipeline no longer needs, waiting for the next compaction. */
  get spareBytes(): number {
    return this.releasedBytes
  }

  /** Whether the file has lines about this message id. */
  holds(id: string): boolean {
    return this.held.has(id) || this.released.has(id) || this.dropping.has(id)
  }

  /** The pipeline no longer needs this event: its lines go at the next compaction. */
  release(id: string): void {
    const bytes = this.held.get(id)
    if (bytes === undefined) return
    this.held.delete(id)
    this.released.set(id, bytes)
    this.releasedBytes += bytes
  }

  /** Releases every event but these. */
  keepOnly(keep: (id: string) => boolean): void {
    for (const id of [...this.held.keys()]) if (!keep(id)) this.release(id)
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
    const texts = records.map(serialize)
    const lines = records.map((record, index): [string, number] => [record.id, Buffer.byteLength(texts[index])])
    return new Promise((resolve, reject) => {
      this.queue.push({ text: texts.join(''), lines, resolve, reject })
      this.kick()
    })
  }

  /** Starts writing what waits, unless a write is under way (it takes the rest when done) or appends are held. */
  private kick(): void {
    if (this.writing || this.paused || this.queue.length === 0) return
    const run: Promise<void> = this.flush().then(() => {
      if (this.writing === run) this.writing = undefined
      this.kick()
    })
    this.writing = run
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0 && !this.paused) {
      const writes = this.queue.splice(0)
      const text = writes.map((write) => write.text).join('')
      try {
        if (this.broken) throw this.broken
        // writeFile writes all of it or throws; a bare write may stop short on a full disk.
        await this.handle.writeFile(text)
        await this.handle.datasync()
        this.size += Buffer.byteLength(text)
        for (const write of writes) {
          for (const [id, bytes] of write.lines) this.held.set(id, (this.held.get(id) ?? 0) + bytes)
        }
        this.health.worked()
        writes.forEach((write) => write.resolve())
      } catch (error) {
        this.health.failed(error)
        await this.handle.truncate(this.size).catch((cut: Error) => (this.broken ??= cut))
        writes.forEach((write) => write.reject(error as Error))
      }
    }
  }

  /** Runs `work` with no write under way and none starting; appends made meanwhile wait, then go on. */
  private async alone<T>(work: () => Promise<T>): Promise<T> {
    this.paused = true
    try {
      while (this.writing) await this.writing
      return await work()
    } finally {
      this.paused = false
      this.kick()
    }
  }

  /**
   * Drops the lines of the events released so far. `beforeDropping` runs first (the pipeline saves the dedupe
   * window's ids there); then the file is copied without those lines beside it, while appends go on; the
   * appends made meanwhile are copied too, with appends held for that moment, and the copy is synced and renamed
   * over the journal. A crash at any point leaves the old journal or the new one, each with every line of every
   * event still needed. `step` is told each step, for tests that stop there.
   */
  async compact(beforeDropping: () => Promise<void>, step: StepHook = () => undefined): Promise<void> {
    this.dropping = this.released
    const droppingBytes = this.releasedBytes
    this.released = new Map()
    this.releasedBytes = 0
    const next = `${this.file}.${process.pid}.compact`
    let copy: fs.promises.FileHandle | undefined
    let renamed = false
    try {
      await beforeDropping()
      copy = await fs.promises.open(next, 'w')
      const upTo = this.size
      let written = await this.copyLines(copy, 0, upTo)
      await step('copy-written')
      await this.alone(async () => {
        if (this.broken) throw this.broken
        const handle = copy as fs.promises.FileHandle
        written += await this.copyLines(handle, upTo, this.size)
        await handle.datasync()
        copy = undefined
        await handle.close()
        await step('copy-synced')
        await fs.promises.rename(next, this.file)
        renamed = true
        // From here on the new journal is the journal, whatever happens next.
        this.dropping = new Map()
        const old = this.handle
        this.size = written
        this.handle = await fs.promises.open(this.file, 'a').catch((error: Error) => {
          // The new journal is in place, but this process cannot open it: appends fail from now on.
          this.broken = error
          return old
        })
        await old.close().catch(() => undefined)
        await step('renamed')
        await syncFolder(this.file)
      })
      await step('reopened')
    } catch (error) {
      await copy?.close().catch(() => undefined)
      if (renamed) throw error
      await fs.promises.rm(next, { force: true })
      // Not dropped: they go at the next compaction.
      for (const [id, bytes] of this.dropping) this.released.set(id, bytes)
      this.releasedBytes += droppingBytes
      this.dropping = new Map()
      throw error
    }
  }

  /** Copies the lines between two offsets into `copy`, but those of events being dropped; returns the bytes. */
  private async copyLines(copy: fs.promises.FileHandle, start: number, end: number): Promise<number> {
    if (end <= start) return 0
    const input = fs.createReadStream(this.file, { start, end: end - 1, encoding: 'utf8' })
    const lines = readline.createInterface({ input, crlfDelay: Infinity })
    let chunk: string[] = []
    let chunkBytes = 0
    let written = 0
    const write = async () => {
      const text = chunk.join('')
      chunk = []
      chunkBytes = 0
      await copy.writeFile(text)
      written += Buffer.byteLength(text)
    }
    try {
      for await (const line of lines) {
        const id = idOfLine(line)
        if (id !== undefined && this.dropping.has(id)) continue
        chunk.push(`${line}\n`)
        chunkBytes += line.length + 1
        if (chunkBytes >= 1024 * 1024) await write()
      }
      if (chunk.length > 0) await write()
    } finally {
      lines.close()
      input.destroy()
    }
    return written
  }

  /**
   * Replaces the journal with these records, written beside it and renamed over it once on disk, so a crash
   * leaves the old journal or the new one, never a mix.
   */
  async rewrite(records: JournalRecord[], step: StepHook = () => undefined): Promise<void> {
    await this.alone(async () => {
      const next = `${this.file}.${process.pid}.compact`
      const texts = records.map(serialize)
      const text = texts.join('')
      try {
        const handle = await fs.promises.open(next, 'w')
        try {
          await handle.writeFile(text)
          await step('copy-written')
          await handle.datasync()
        } finally {
          await handle.close()
        }
        await fs.promises.rename(next, this.file)
      } catch (error) {
        await fs.promises.rm(next, { force: true })
        throw error
      }
      const old = this.handle
      this.size = Buffer.byteLength(text)
      this.held = new Map()
      records.forEach((record, index) =>
        this.held.set(record.id, (this.held.get(record.id) ?? 0) + Buffer.byteLength(texts[index]))
      )
      this.released = new Map()
      this.releasedBytes = 0
      this.handle = await fs.promises.open(this.file, 'a')
      await old.close()
      await step('renamed')
      await syncFolder(this.file)
    })
  }

  async close(): Promise<void> {
    while (this.writing) await this.writing
    await this.handle.close()
    fs.rmSync(this.lockFile, { force: true })
  }
}
