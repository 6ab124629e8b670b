import fs from 'fs'
import http from 'http'
import path from 'path'
import type { AddressInfo } from 'net'
import express from 'express'
import { tempDir } from '../../__tests__/helpers'
import { COLLECTOR_WINDOW, Collector, collectorRoutes } from '../collector'
import type { CollectedRequest } from '../collector'

const record = (id: number): CollectedRequest => ({
  id,
  receivedAt: new Date(Date.UTC(2026, 10, 25, 10) + id * 1000).toISOString(),
  method: 'GET',
  kind: 'hit',
  client: 'acme',
  site: '1',
  url: `/api/hit/acme/1/?sid=device-${id}`,
  query: { sid: `device-${id}` },
  userAgent: 'Segment (Actions)',
  status: 200
})

/** A records file as the collector writes it, with `count` records. */
function recordsFile(count: number): string {
  const file = path.join(tempDir('convertro-collector-'), 'collector.jsonl')
  const lines = Array.from({ length: count }, (_, index) => `${JSON.stringify(record(index + 1))}\n`)
  fs.writeFileSync(file, lines.join(''))
  return file
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index)

let server: http.Server | undefined
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  server = undefined
})

async function serve(collector: Collector): Promise<string> {
  server = http.createServer(express().use(collectorRoutes(collector, () => ['hit'])))
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function list(base: string, query = '') {
  const response = await fetch(`${base}/collector/requests${query}`)
  const body = (await response.json()) as CollectedRequest[]
  return { total: Number(response.headers.get('x-total-count')), ids: body.map((entry) => entry.id), body }
}

describe('the collector window', () => {
  it('keeps the newest records in memory and reads older ones from the file', async () => {
    const file = recordsFile(5_500)
    const collector = await Collector.open(file, () => undefined)
    expect(collector.count).toBe(5_500)
    expect(collector.list().map((entry) => entry.id)).toEqual(range(5_500 - COLLECTOR_WINDOW + 1, 5_500))
    const base = await serve(collector)

    // The page's own view: the newest, from memory.
    expect(await list(base, '?limit=50')).toMatchObject({ total: 5_500, ids: range(5_451, 5_500) })
    // Paging back, across the window's edge and into the file, from a mark in its middle.
    expect((await list(base, '?limit=50&before=4502')).ids).toEqual(range(4_452, 4_501))
    expect((await list(base, '?limit=50&before=4530')).ids).toEqual(range(4_480, 4_529))
    expect((await list(base, '?limit=1500&before=3001')).ids).toEqual(range(1_501, 3_000))
    expect((await list(base, '?limit=50&before=30')).ids).toEqual(range(1, 29))
    expect((await list(base, '?limit=50&before=1')).ids).toEqual([])
    // Read from the file, a record is what was recorded.
    expect((await list(base, '?limit=1&before=1001')).body).toEqual([record(1000)])
    // Without a limit, every record, from the file.
    const all = await list(base)
    expect(all.ids).toEqual(range(1, 5_500))
    expect(all.body[1234]).toEqual(record(1235))
    expect((await list(base, '?before=11')).ids).toEqual(range(1, 10))
  })

  it('goes on numbering after the records it read back, and pages through what it records', async () => {
    const file = recordsFile(2_100)
    const collector = await Collector.open(file, () => undefined)
    const base = await serve(collector)
    for (let i = 0; i < 1_200; i++) expect((await fetch(`${base}/api/hit/acme/1/?sid=new-${i}`)).status).toBe(200)
    expect(collector.count).toBe(3_300)
    expect(collector.list()).toHaveLength(COLLECTOR_WINDOW)
    expect(collector.list()[0].id).toBe(3_300 - COLLECTOR_WINDOW + 1)
    const older = await list(base, '?limit=200&before=2201')
    expect(older.ids).toEqual(range(2_001, 2_200))
    expect(older.body.map((entry) => entry.query.sid)).toEqual([
      ...range(2_001, 2_100).map((id) => `device-${id}`),
      ...range(0, 99).map((i) => `new-${i}`)
    ])
    // Read back on start, the same records, the same window.
    const reopened = await Collector.open(file, () => undefined)
    expect(reopened.count).toBe(3_300)
    expect(reopened.list()).toEqual(collector.list())
  })

  it('cuts back off the part of a record a failed append left, so the file stays whole', async () => {
    const file = recordsFile(3)
    const collector = await Collector.open(file, () => undefined)
    const base = await serve(collector)
    const appendFileSync = fs.appendFileSync
    jest.spyOn(fs, 'appendFileSync').mockImplementationOnce((target, data) => {
      appendFileSync(target, String(data).slice(0, 25))
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    })
    expect((await fetch(`${base}/api/hit/acme/1/?sid=lost`)).status).toBe(503)
    expect((await fetch(`${base}/api/hit/acme/1/?sid=kept`)).status).toBe(200)
    expect((await list(base)).body.map((entry) => entry.query.sid)).toEqual([
      'device-1',
      'device-2',
      'device-3',
      'kept'
    ])
    const reopened = await Collector.open(file, () => undefined)
    expect(reopened.list().map((entry) => entry.id)).toEqual([1, 2, 3, 4])
  })

  it('starts again from nothing once cleared', async () => {
    const collector = await Collector.open(recordsFile(1_500), () => undefined)
    const base = await serve(collector)
    expect((await fetch(`${base}/collector/requests`, { method: 'DELETE' })).status).toBe(200)
    expect(await list(base, '?limit=50')).toEqual({ total: 0, ids: [], body: [] })
    await fetch(`${base}/api/hit/acme/1/?sid=after`)
    expect((await list(base)).ids).toEqual([1])
  })
})
