import fs from 'fs'
import http from 'http'
import os from 'os'
import path from 'path'
import type { AddressInfo } from 'net'
import express from 'express'
import { loadServerDestination } from '../destinations'
import { IngestPipeline } from '../ingest/pipeline'
import { ingestRoutes } from '../ingest/routes'
import { SAMPLE_EVENTS, SAMPLE_SETTINGS } from '../lib/samples'
import { presetSubscriptions } from '../routing/subscriptions'
import { Collector, collectorRoutes } from '../server/collector'
import { stubConvertro } from './helpers'

jest.setTimeout(60_000)

const ENOSPC = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })

let dir: string
let server: http.Server
let base: string
const logged: string[] = []
/**
 * A disk that fills and empties on command: every write through a file handle (the journal's) or an append to
 * a file by name (the collector's) fails with ENOSPC while `full` is set, as a full tmpfs does.
 */
const disk = { full: false }

async function listen(app: express.Express): Promise<void> {
  server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-disk-'))
  logged.length = 0
  disk.full = false
  const probe = await fs.promises.open(path.join(dir, 'probe'), 'w')
  await probe.close()
  const prototype = Object.getPrototypeOf(probe) as fs.promises.FileHandle
  const writeFile = prototype.writeFile
  jest.spyOn(prototype, 'writeFile').mockImplementation(async function (this: fs.promises.FileHandle, ...args) {
    if (disk.full) throw ENOSPC()
    return writeFile.apply(this, args)
  })
  const appendFileSync = fs.appendFileSync
  jest.spyOn(fs, 'appendFileSync').mockImplementation((...args) => {
    if (disk.full) throw ENOSPC()
    return appendFileSync(...args)
  })
})
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve))
  fs.rmSync(dir, { recursive: true, force: true })
})

const identify = (userId: string) => ({ ...SAMPLE_EVENTS.identifyUser, userId, messageId: `m-${userId}` })
const post = async (events: unknown[]) => {
  const response = await fetch(`${base}/v1/batch`, { method: 'POST', body: JSON.stringify({ batch: events }) })
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() }
}

describe('a full disk under the Tracking API', () => {
  it('answers 503 while the journal cannot be written, says so once, and loses nothing', async () => {
    const stub = await stubConvertro([200])
    const journal = path.join(dir, 'ingest.jsonl')
    const retry = { retries: 2, delayMs: 20, maxDelayMs: 100 }
    const pipeline = await IngestPipeline.open({ journal, concurrency: 10, retry, log: (line) => logged.push(line) })
    const { definition } = await loadServerDestination()
    pipeline.start({
      definition: () => definition,
      settings: { ...SAMPLE_SETTINGS, domain: stub.domain },
      subscriptions: () => presetSubscriptions(definition)
    })
    await listen(express().use(ingestRoutes(pipeline, undefined)))
    try {
      const before = ['a', 'b', 'c'].map(identify)
      expect((await post(before)).status).toBe(200)
      disk.full = true
      const during = Array.from({ length: 10 }, (_, i) => identify(`full-${i}`))
      const refused = []
      for (const event of during) refused.push(await post([event]))
      expect(refused.map(({ status, retryAfter }) => [status, retryAfter])).toEqual(during.map(() => [503, '10']))
      expect(refused[0].body).toEqual({
        success: false,
        message: 'The events could not be kept (no space left on the device (ENOSPC)): none was taken, send them again'
      })
      await new Promise((resolve) => setTimeout(resolve, 300))
      disk.full = false
      // The SDKs send again what was answered 503.
      for (const event of during) expect((await post([event])).status).toBe(200)
      const deadline = Date.now() + 20_000
      while (pipeline.view().counts.pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(pipeline.view().counts).toEqual({
        accepted: 13,
        duplicates: 0,
        sent: 13,
        skipped: 0,
        failed: 0,
        pending: 0
      })
      const ids = stub.paths.map((url) => new URL(url, stub.origin).searchParams.get('id')).sort()
      expect(ids).toEqual([...before, ...during].map((event) => event.userId).sort())
      expect(logged).toEqual([
        `Cannot write ${journal}: no space left on the device (ENOSPC); the Tracking API answers 503 until it can, so senders keep their events`,
        `Writing ${journal} works again`
      ])
    } finally {
      await pipeline.close()
      await stub.close()
    }
    // Every event answered 200 is in the journal, done: a restart has nothing to send again.
    const reopened = await IngestPipeline.open({
      journal,
      concurrency: 1,
      retry: { retries: 0, delayMs: 1, maxDelayMs: 1 },
      log: (line) => logged.push(line)
    })
    expect(reopened.view().counts).toMatchObject({ accepted: 13, sent: 13, pending: 0 })
    await reopened.close()
  })
})

describe('a full disk under the collector', () => {
  it('answers 503 while it cannot record, says so once, and records again once it can', async () => {
    const records = path.join(dir, 'collector.jsonl')
    const collector = await Collector.open(records, (line) => logged.push(line))
    await listen(express().use(collectorRoutes(collector, () => ['hit'])))
    const call = async (sid: string) => (await fetch(`${base}/api/hit/acme/1/?sid=${sid}`)).status
    expect(await call('before')).toBe(200)
    disk.full = true
    expect([await call('full-1'), await call('full-2'), await call('full-3')]).toEqual([503, 503, 503])
    disk.full = false
    expect(await call('after')).toBe(200)
    expect(collector.list().map((entry) => entry.query.sid)).toEqual(['before', 'after'])
    expect(
      fs
        .readFileSync(records, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).query.sid)
    ).toEqual(['before', 'after'])
    expect(logged).toEqual([
      `Cannot write ${records}: no space left on the device (ENOSPC); the collector answers 503 until it can, so senders retry`,
      `Writing ${records} works again`
    ])
  })
})
