import fs from 'fs'
import path from 'path'
import type { SegmentEvent } from '@segment/actions-core'
import { Journal } from '../journal'
import type { JournalRecord } from '../journal'
import { IngestPipeline } from '../pipeline'
import { DEFAULT_RETRY } from '../../lib/retry'
import { tempDir } from '../../__tests__/helpers'

const temp = () => path.join(tempDir('convertro-journal-'), 'ingest.jsonl')
const event = (id: string) => ({ type: 'track', event: 'E', userId: 'u', messageId: id } as SegmentEvent)
const accepted = (id: string): JournalRecord => ({
  t: 'accepted',
  id,
  at: '2026-11-25T00:00:00.000Z',
  event: event(id)
})
const ids = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as JournalRecord).id)

afterEach(() => jest.restoreAllMocks())

describe('Journal', () => {
  it('cuts a write that failed part way back off, so the next record starts on a line of its own', async () => {
    const file = temp()
    const journal = await Journal.open(
      file,
      () => undefined,
      () => undefined
    )
    await journal.append(accepted('a'))
    // A full disk: part of the text reaches the file, then the write fails.
    const probe = await fs.promises.open(file, 'r')
    const handle = Object.getPrototypeOf(probe) as fs.promises.FileHandle
    await probe.close()
    const writeFile = handle.writeFile
    const spy = jest
      .spyOn(handle, 'writeFile')
      .mockImplementationOnce(async function (this: fs.promises.FileHandle, text) {
        await writeFile.call(this, String(text).slice(0, 20))
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
      })
    await expect(journal.append(accepted('b'))).rejects.toThrow('ENOSPC')
    spy.mockRestore()
    await journal.append(accepted('c'))
    await journal.close()
    expect(ids(file)).toEqual(['a', 'c'])
  })

  it('lets a second opener take a lock its holder left by dying', async () => {
    const file = temp()
    fs.writeFileSync(`${file}.lock`, '2147483646')
    const journal = await Journal.open(
      file,
      () => undefined,
      () => undefined
    )
    expect(fs.readFileSync(`${file}.lock`, 'utf8')).toBe(String(process.pid))
    await journal.close()
    expect(fs.existsSync(`${file}.lock`)).toBe(false)
  })

  it('takes an event accepted twice once', async () => {
    const file = temp()
    fs.writeFileSync(file, [accepted('a'), accepted('a')].map((line) => `${JSON.stringify(line)}\n`).join(''))
    const logged: string[] = []
    const pipeline = await IngestPipeline.open({
      journal: file,
      concurrency: 1,
      retry: DEFAULT_RETRY,
      log: (line) => logged.push(line)
    })
    expect(logged).toEqual(['Ingest: 1 accepted event(s) not yet done are queued again'])
    expect(pipeline.view().counts).toMatchObject({ accepted: 1, pending: 1 })
    await pipeline.close()
    expect(ids(file)).toEqual(['a'])
  })

  it.each([
    ['JSON that is not a record', ['null'], 1],
    ['a record missing its fields', ['{"t":"done","id":"x"}'], 1],
    ['a foreign line after records', [JSON.stringify(accepted('a')), '# notes'], 2]
  ])('refuses a file holding %s, and leaves it and its lock as they were', async (_case, lines, bad) => {
    const file = temp()
    const text = lines.map((line) => `${line}\n`).join('')
    fs.writeFileSync(file, text)
    const open = Journal.open(
      file,
      () => undefined,
      () => undefined
    )
    await expect(open).rejects.toThrow(
      `--journal ${file} is not a journal this server wrote (line ${bad} is not one of its records): ` +
        'it is left as it is; give --journal a new file'
    )
    expect(fs.readFileSync(file, 'utf8')).toBe(text)
    expect(fs.readdirSync(path.dirname(file))).toEqual(['ingest.jsonl'])
  })
})

describe('IngestPipeline.accept', () => {
  it('answers a copy of an event only once the first copy is on disk, and fails it when that write fails', async () => {
    const pipeline = await IngestPipeline.open({
      journal: temp(),
      concurrency: 1,
      retry: DEFAULT_RETRY,
      log: () => undefined
    })
    let fail!: (error: Error) => void
    jest.spyOn(Journal.prototype, 'append').mockImplementationOnce(() => new Promise((_, reject) => (fail = reject)))
    const first = pipeline.accept([event('m')], '2026-11-25T00:00:00.000Z')
    const copy = pipeline.accept([event('m')], '2026-11-25T00:00:00.000Z')
    let copyDone = false
    void copy.then(
      () => (copyDone = true),
      () => (copyDone = true)
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(copyDone).toBe(false)
    fail(new Error('EIO'))
    await expect(first).rejects.toThrow('EIO')
    await expect(copy).rejects.toThrow('EIO')
    expect(pipeline.view().counts).toMatchObject({ accepted: 0 })
    // Nothing of it was kept, so the sender's next try is taken.
    await pipeline.accept([event('m')], '2026-11-25T00:00:01.000Z')
    expect(pipeline.view().counts).toMatchObject({ accepted: 1 })
    await pipeline.close()
  })
})
