import fs from 'fs'
import path from 'path'
import readline from 'readline'
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

/**
 * An append-only JSON-lines file. Appends that arrive while a write is under way are written together, and
 * each resolves only once its lines are on disk (fdatasync), so an answered request survives a crash.
 */
export class Journal {
  private queue: PendingWrite[] = []
  private writing?: Promise<void>

  private constructor(
    readonly file: string,
    private readonly handle: fs.promises.FileHandle
  ) {}

  /**
   * Opens the journal, reading every record it holds. A last line cut short by a crash was never
   * acknowledged (its sender is answered only after the write), so it is cut off and the sender retries it.
   */
  static async open(file: string, onRecord: (record: JournalRecord) => void, log: (line: string) => void) {
    await fs.promises.mkdir(path.dirname(file), { recursive: true })
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
        try {
          onRecord(JSON.parse(line) as JournalRecord)
          complete = end
        } catch {
          log(`${file}:${number}: not a journal record, ignored`)
        }
        offset = end
      }
      if (complete < size) {
        log(`${file}: cut off ${size - complete} byte(s) of an unfinished last line`)
        await fs.promises.truncate(file, complete)
      }
    }
    return new Journal(file, await fs.promises.open(file, 'a'))
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
      try {
        await this.handle.write(writes.map((write) => write.text).join(''))
        await this.handle.datasync()
        writes.forEach((write) => write.resolve())
      } catch (error) {
        writes.forEach((write) => write.reject(error as Error))
      }
    }
    this.writing = undefined
  }

  async close(): Promise<void> {
    await this.writing
    await this.handle.close()
  }
}
