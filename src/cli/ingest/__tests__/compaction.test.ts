import fs from 'fs'
import path from 'path'
import { RetryableError } from '@segment/actions-core'
import type { SegmentEvent, Subscription } from '@segment/actions-core'
import type { Definition } from '../../lib/definition'
import { tempDir } from '../../__tests__/helpers'
import { IngestPipeline } from '../pipeline'
import type { IngestOptions, Limits } from '../pipeline'
import type { JournalRecord } from '../journal'

jest.setTimeout(30_000)

/**
 * A destination that sends nothing: each subscription's call that succeeds is recorded (as `<id> <action>`); a call
 * fails, retryably and unrecorded, while `failing` names its event, or its event and action.
 */
function destination() {
  const calls: string[] = []
  const failing = new Set<string>()
  const action = (key: string) => ({
    title: key,
    description: key,
    fields: {},
    perform: (_request: unknown, { payload }: { payload: unknown }) => {
      const id = (payload as { id: string }).id
      if (failing.has(`${id} ${key}`) || failing.has(id)) throw new RetryableError('Convertro answered 503', 503)
      calls.push(`${id} ${key}`)
      return 'ok'
    }
  })
  const definition = {
    name: 'Compaction Test',
    mode: 'cloud',
    actions: { first: action('first'), second: action('second') }
  } as unknown as Definition
  const subscription = (key: string): Subscription => ({
    name: key,
    partnerAction: key,
    subscribe: 'type = "track"',
    mapping: { id: { '@path': '$.messageId' } }
  })
  const route = {
    definition: () => definition,
    settings: {},
    subscriptions: () => [subscription('first'), subscription('second')]
  }
  return { calls, failing, route }
}

const AT = new Date().toISOString()
const event = (id: string) => ({ type: 'track', event: 'E', userId: 'u', messageId: id, timestamp: AT } as SegmentEvent)

/** Pipelines a test opened: closed after it, whatever happened, so none keeps running into the next. */
const opened: IngestPipeline[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((pipeline) => pipeline.close().catch(() => undefined)))
})

async function open(journal: string, options: Partial<IngestOptions> & { limits?: Partial<Limits> } = {}) {
  const pipeline = await IngestPipeline.open({
    journal,
    concurrency: 4,
    // Long enough that an event failing retryably waits for the test's end: it stays unfinished in the journal.
    retry: { retries: 4, delayMs: 600_000, maxDelayMs: 600_000 },
    log: () => undefined,
    ...options
  })
  opened.push(pipeline)
  return pipeline
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 600) throw new Error('the pipeline did not get there')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const lines = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JournalRecord)

/** Sends each id again: all should be taken for resends. */
async function resendAll(pipeline: IngestPipeline, ids: string[]): Promise<void> {
  const before = pipeline.view().counts
  for (let i = 0; i < ids.length; i += 50) await pipeline.accept(ids.slice(i, i + 50).map(event), AT)
  const after = pipeline.view().counts
  expect([after.accepted - before.accepted, after.duplicates - before.duplicates]).toEqual([0, ids.length])
}

describe('journal compaction while the server runs', () => {
  it('drops the finished events beyond the newest ones, keeps their ids, and a restart sends nothing again', async () => {
    const journal = path.join(tempDir('convertro-compact-'), 'ingest.jsonl')
    const { calls, failing, route } = destination()
    const ids = Array.from({ length: 300 }, (_, index) => `m-${index}`)
    failing.add('m-7')
    failing.add('m-8 second')
    const pipeline = await open(journal, { limits: { history: 10, compactBytes: 4096 } })
    pipeline.start(route)
    const sizes: number[] = []
    for (let i = 0; i < ids.length; i += 20) {
      await pipeline.accept(ids.slice(i, i + 20).map(event), AT)
      await until(() => pipeline.view().counts.pending <= 2)
      await pipeline.compacted()
      sizes.push(fs.statSync(journal).size)
    }
    await until(() => pipeline.view().backlog.retrying === 2)
    await pipeline.compacted()
    // The journal stays small however many events go through: it never holds much more than the spare allowed.
    expect(Math.max(...sizes.slice(3))).toBeLessThan(2 * 4096 + 10 * 1000)
    const kept = new Set(lines(journal).map((record) => record.id))
    expect(kept.has('m-7') && kept.has('m-8')).toBe(true)
    expect(kept.has('m-0')).toBe(false)
    expect(kept.size).toBeLessThan(60)
    // Every message id is on disk, 16 bytes each after a 16-byte header.
    expect(fs.statSync(`${journal}.ids`).size).toBeGreaterThanOrEqual(16 + 16 * (300 - kept.size))
    await resendAll(pipeline, ids)
    await pipeline.close()

    const sent = calls.length
    const reopened = await open(journal, { limits: { history: 10, compactBytes: 4096 } })
    failing.clear()
    reopened.start(route)
    await until(() => reopened.view().counts.pending === 0)
    // Only the two unfinished events run again, and of m-8 only the subscription that failed.
    expect(calls.slice(sent).sort()).toEqual(['m-7 first', 'm-7 second', 'm-8 second'])
    await resendAll(reopened, ids)
    await reopened.close()
  })
})

describe('lines appended while the journal is copied', () => {
  it('are in the compacted journal, and the events they accepted are sent after a restart', async () => {
    const dir = tempDir('convertro-compact-')
    const journal = path.join(dir, 'ingest.jsonl')
    const { calls, failing, route } = destination()
    const ids = Array.from({ length: 100 }, (_, index) => `copied-${index}`)
    // Accepted while the copy is made, and failing: they wait for a retry, unfinished, when the server stops.
    const during = ['during-0', 'during-1', 'during-2']
    during.forEach((id) => failing.add(id))
    // The step hook needs the pipeline it is given to.
    const self: { pipeline?: IngestPipeline } = {}
    let appended = false
    let compacted = false
    const pipeline = await open(journal, {
      limits: { history: 5, compactBytes: 2048 },
      step: async (step) => {
        // On disk and answered after the copy read the file, before it was renamed: copied with the tail.
        if (step === 'copy-written' && !appended) {
          appended = true
          await self.pipeline?.accept(during.map(event), AT)
        }
        if (step === 'reopened' && appended) compacted = true
      }
    })
    self.pipeline = pipeline
    pipeline.start(route)
    for (let i = 0; i < ids.length; i += 10) await pipeline.accept(ids.slice(i, i + 10).map(event), AT)
    // Every copied event done, the appended ones alone waiting for their retry: only they are left to send again.
    await until(() => {
      const { retrying, waiting } = pipeline.view().backlog
      return compacted && retrying === during.length && waiting === during.length
    })
    await pipeline.close()
    const accepted = lines(journal).flatMap((record) => (record.t === 'accepted' ? [record.id] : []))
    expect(during.filter((id) => accepted.includes(id))).toEqual(during)

    const sent = calls.length
    failing.clear()
    const restarted = await open(journal)
    restarted.start(route)
    await until(() => restarted.view().counts.pending === 0)
    expect(calls.slice(sent).sort()).toEqual(during.flatMap((id) => [`${id} first`, `${id} second`]))
  })
})

/** Copies the files of the journal's folder as they are at this moment: what a kill -9 now would leave. */
function snapshot(from: string): string {
  const to = tempDir('convertro-killed-')
  for (const name of fs.readdirSync(from)) fs.copyFileSync(path.join(from, name), path.join(to, name))
  return to
}

const killed = new Error('killed at this step')

/** A step and what the kill left of the file being written then: whole, or cut in the middle of a record. */
const RUNNING: [string, 'whole' | 'torn'][] = [
  ['ids-written', 'torn'],
  ['ids-written', 'whole'],
  ['ids-saved', 'whole'],
  ['copy-written', 'torn'],
  ['copy-written', 'whole'],
  ['copy-synced', 'whole'],
  ['renamed', 'whole'],
  ['reopened', 'whole']
]

/** Cuts the file being written at this step (the ids file, or a copy) in the middle of its last record. */
function tear(dir: string, step: string): void {
  const name =
    step === 'ids-written'
      ? 'ingest.jsonl.ids'
      : (fs.readdirSync(dir).find((file) => file.endsWith('.compact')) as string)
  const file = path.join(dir, name)
  fs.truncateSync(file, fs.statSync(file).size - 7)
}

interface Kill {
  /** The copy of the files at the kill. */
  dir?: string
  /** Events whose `accepted` line was on disk, and calls made, before it. */
  accepted: string[]
  called: string[]
  /** Events being processed at the kill: their calls may be made again. */
  underWay: Set<string>
}

/** The events being processed: their calls may have been made, and their outcome not yet be on disk. */
const underWay = (pipeline?: IngestPipeline) =>
  new Set(pipeline?.view(10_000).events.flatMap((entry) => (entry.status === 'processing' ? [entry.id] : [])))

/** A step hook that, at `target`, takes what a kill -9 would leave, then stops the compaction there. */
function killAt(dir: string, target: string, state: 'whole' | 'torn', seen: () => Omit<Kill, 'dir'>) {
  const kill: Kill = { accepted: [], called: [], underWay: new Set() }
  const step = (name: string) => {
    if (kill.dir || name !== target) return
    kill.dir = snapshot(dir)
    if (state === 'torn') tear(kill.dir, name)
    Object.assign(kill, seen())
    throw killed
  }
  return { kill, step }
}

/**
 * Accepts `ids` ten at a time, a little apart, noting each batch in `accepted`, until the kill has been taken; then
 * lets the stopped compaction settle and closes the pipeline, as the process would have been gone.
 */
async function acceptUntilKilled(pipeline: IngestPipeline, ids: string[], accepted: string[], kill: Kill) {
  for (let i = 0; i < ids.length && !kill.dir; i += 10) {
    const batch = ids.slice(i, i + 10)
    await pipeline.accept(batch.map(event), AT)
    accepted.push(...batch)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  await until(() => kill.dir !== undefined)
  await pipeline.compacted()
  await pipeline.close()
}

describe('a kill at each step of a compaction', () => {
  it.each(RUNNING)('while running, at %s (%s)', async (target, state) => {
    const dir = tempDir('convertro-compact-')
    const { calls, failing, route } = destination()
    const ids = Array.from({ length: 150 }, (_, index) => `run-${index}`)
    failing.add(ids[3])
    failing.add(`${ids[4]} second`)
    const accepted: string[] = []
    const self: { pipeline?: IngestPipeline } = {}
    const { kill, step } = killAt(dir, target, state, () => ({
      accepted: [...accepted],
      called: [...calls],
      underWay: underWay(self.pipeline)
    }))
    const pipeline = await open(path.join(dir, 'ingest.jsonl'), { limits: { history: 5, compactBytes: 2048 }, step })
    self.pipeline = pipeline
    pipeline.start(route)
    await acceptUntilKilled(pipeline, ids, accepted, kill)
    expect(kill.accepted.length).toBeGreaterThan(10)
    await restartFrom(kill)
  })

  it.each([
    ['ids-written', 'torn'],
    ['ids-written', 'whole'],
    ['ids-saved', 'whole'],
    ['copy-written', 'torn'],
    ['copy-written', 'whole'],
    ['renamed', 'whole']
  ] as const)('on start, at %s (%s)', async (target, state) => {
    const dir = tempDir('convertro-compact-')
    const journal = path.join(dir, 'ingest.jsonl')
    const { calls, failing, route } = destination()
    const ids = Array.from({ length: 60 }, (_, index) => `start-${index}`)
    failing.add(ids[3])
    failing.add(`${ids[4]} second`)
    // A journal never compacted while running: the start has it all to do.
    const first = await open(journal, { limits: { history: 5, compactBytes: 1e9 } })
    first.start(route)
    await first.accept(ids.map(event), AT)
    await until(() => first.view().backlog.retrying === 2)
    await first.close()
    const { kill, step } = killAt(dir, target, state, () => ({
      accepted: ids,
      called: [...calls],
      underWay: new Set()
    }))
    const second = await open(journal, { limits: { history: 5 }, step })
    await second.close()
    await restartFrom(kill)
  })

  it.each([
    ['ids-copy-written', 'torn'],
    ['ids-copy-written', 'whole'],
    ['ids-replaced', 'whole']
  ] as const)('when the ids file is written again without ids a day old, at %s (%s)', async (target, state) => {
    const dir = tempDir('convertro-compact-')
    const { calls, route } = destination()
    const now = Date.now()
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now)
    const old = Array.from({ length: 100 }, (_, index) => `old-${index}`)
    const recent = Array.from({ length: 60 }, (_, index) => `recent-${index}`)
    const accepted: string[] = []
    const self: { pipeline?: IngestPipeline } = {}
    const { kill, step } = killAt(dir, target, state, () => ({
      accepted: [...accepted],
      called: [...calls],
      underWay: underWay(self.pipeline)
    }))
    const limits = { history: 5, compactBytes: 2048, idsRewrite: 10 }
    const pipeline = await open(path.join(dir, 'ingest.jsonl'), { limits, step })
    self.pipeline = pipeline
    pipeline.start(route)
    await pipeline.accept(old.map(event), AT)
    await until(() => pipeline.view().counts.pending === 0)
    await pipeline.compacted()
    // A day and an hour later, the old ids have left the window: the next compaction writes the ids file again.
    clock.mockReturnValue(now + 25 * 3600 * 1000)
    await acceptUntilKilled(pipeline, recent, accepted, kill)
    await restartFrom(kill)
  })
})

/**
 * Starts a server's pipeline on the files a kill left: it sends each unfinished event's unfinished subscriptions,
 * and nothing else but the calls under way at the kill, and it knows every message id accepted before the kill.
 */
async function restartFrom(kill: Kill): Promise<void> {
  const dir = kill.dir as string
  const { calls, route } = destination()
  const pipeline = await open(path.join(dir, 'ingest.jsonl'))
  pipeline.start(route)
  await until(() => pipeline.view().counts.pending === 0)
  const before = new Set(kill.called)
  // Nothing lost: each subscription of each event accepted was called, before the kill or after.
  const missing = kill.accepted.flatMap((id) =>
    ['first', 'second'].map((key) => `${id} ${key}`).filter((call) => !before.has(call) && !calls.includes(call))
  )
  expect(missing).toEqual([])
  // Nothing sent twice, but what was under way: a call answered before the kill is never made again.
  const again = calls.filter((call) => before.has(call) && !kill.underWay.has(call.split(' ')[0]))
  expect(again).toEqual([])
  await resendAll(pipeline, kill.accepted)
  await pipeline.close()
  fs.rmSync(dir, { recursive: true, force: true })
}
