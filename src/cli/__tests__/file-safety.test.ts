import crypto from 'crypto'
import fs from 'fs'
import os from 'os'
import path from 'path'
import { PROJECT_ROOT, cli, copyProject, serve, stubConvertro } from './helpers'

// Each case starts the CLI as its own process.
jest.setTimeout(60_000)

const hash = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')

let dir: string
let readme: string
let journal: string
let records: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-files-'))
  readme = path.join(dir, 'README.md')
  fs.copyFileSync(path.join(PROJECT_ROOT, 'README.md'), readme)
  journal = path.join(dir, 'ingest.jsonl')
  records = path.join(dir, 'collector.jsonl')
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

/** Everything under the temp folder, so a lock or a stray file left behind shows. */
const listing = () => fs.readdirSync(dir, { recursive: true }).map(String).sort()

/** `serve` that must refuse to start: its exit code and first line, and the files left as they were. */
async function refusedServe(args: string[]) {
  const before = listing()
  const hashed = hash(readme)
  const run = await cli(['serve', '--port', '0', '--no-watch', '--journal', journal, '--records', records, ...args])
  expect(listing()).toEqual(before)
  expect(hash(readme)).toBe(hashed)
  return { code: run.code, stderr: run.stderr.trim() }
}

// As root (the tests run as root) every mode bit is ignored: a path under /sys is one even root cannot write.
const UNWRITABLE = '/sys/kernel/convertro-test.jsonl'

describe('serve refuses files that are not its own, and changes nothing', () => {
  it.each([
    [
      '--records',
      'README',
      () => readme,
      () =>
        'is not a collector records file this server wrote (line 1 is not one of its records): it is left as it is; give --records a new file'
    ],
    [
      '--journal',
      'README',
      () => readme,
      () =>
        'is not a journal this server wrote (line 1 is not one of its records): it is left as it is; give --journal a new file'
    ],
    ['--journal', 'a folder', () => dir, () => 'is a folder, not a file'],
    ['--records', 'a folder', () => dir, () => 'is a folder, not a file'],
    [
      '--journal',
      'a path under a file',
      () => path.join(readme, 'ingest.jsonl'),
      () => `${readme} is a file, not a folder`
    ],
    [
      '--records',
      'a path under a file',
      () => path.join(readme, 'x', 'collector.jsonl'),
      () => `${readme} is a file, not a folder`
    ],
    ['--journal', 'a file root cannot write', () => UNWRITABLE, () => 'is not writable: permission denied (EACCES)'],
    ['--records', 'a file root cannot write', () => UNWRITABLE, () => 'is not writable: permission denied (EACCES)']
  ])('%s pointing at %s', async (flag, _what, file, reason) => {
    const { code, stderr } = await refusedServe([flag, file()])
    expect(code).toBe(1)
    expect(stderr).toMatch(new RegExp(`^${flag} ${file()}:? `))
    expect(stderr).toContain(reason())
    expect(stderr.split('\n')).toHaveLength(1)
  })

  it('--journal whose ids file beside it is not one', async () => {
    fs.copyFileSync(readme, `${journal}.ids`)
    const hashed = hash(`${journal}.ids`)
    const { code, stderr } = await refusedServe([])
    expect(code).toBe(1)
    expect(stderr).toBe(
      `--journal ${journal}: ${journal}.ids is not a file of message ids this server wrote (it does not begin as one): ` +
        'it is left as it is; move it away, or give --journal a new file'
    )
    expect(hash(`${journal}.ids`)).toBe(hashed)
  })

  it.each([
    ['--subscriptions', `is not valid JSON`],
    ['--settings', `is not valid JSON`]
  ])('%s pointing at a README: refused, the file untouched', async (flag, reason) => {
    const { code, stderr } = await refusedServe([flag, readme])
    expect(code).toBe(1)
    expect(stderr).toContain(`${readme} ${reason}`)
  })

  it('refuses settings nested beyond the limit, naming the file and the limit', async () => {
    const settings = path.join(dir, 'settings.json')
    fs.writeFileSync(settings, '{"a":'.repeat(5000) + '1' + '}'.repeat(5000))
    const { code, stderr } = await refusedServe(['--settings', settings])
    expect(code).toBe(1)
    expect(stderr).toBe(`${settings} is nested deeper than 100 levels, the limit for JSON input`)
  })
})

describe('the journal lock', () => {
  it('is one lock whichever name reaches the file, and is gone once its server stops', async () => {
    const link = path.join(dir, 'link.jsonl')
    const server = await serve(['--no-watch', '--journal', journal, '--records', records])
    try {
      fs.symlinkSync(journal, link)
      const second = await cli(['serve', '--port', '0', '--no-watch', '--journal', link, '--records', records])
      expect(second.code).toBe(1)
      expect(second.stderr.trim()).toMatch(
        new RegExp(`^${link} is in use by process \\d+: give this server a --journal of its own$`)
      )
    } finally {
      await server.stop()
    }
    expect(listing()).toEqual(['README.md', 'ingest.jsonl', 'link.jsonl'])
    // Through the link, the next server takes the same file, and leaves the link a link.
    await (await serve(['--no-watch', '--journal', link, '--records', records])).stop()
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
  })

  it('is let go by a start that fails after taking it (the port taken)', async () => {
    const server = await serve(['--no-watch'])
    try {
      const port = new URL(server.url).port
      const run = await cli(['serve', '--port', port, '--no-watch', '--journal', journal, '--records', records])
      expect(run.code).toBe(1)
      expect(run.stderr).toContain('EADDRINUSE')
    } finally {
      await server.stop()
    }
    expect(listing()).toEqual(['README.md', 'ingest.jsonl'])
  })
})

describe('a torn last line of the server’s own files', () => {
  it('is moved aside, to a file the log names, and the rest is kept', async () => {
    const record = {
      id: 1,
      receivedAt: '2026-11-25T10:00:00.000Z',
      method: 'GET',
      kind: 'hit',
      url: '/api/hit/a/1/?sid=s',
      query: { sid: 's' },
      client: 'a',
      site: '1',
      status: 200
    }
    const tornRecord = '{"id":2,"receivedAt":"2026-11-25T10'
    fs.writeFileSync(records, `${JSON.stringify(record)}\n${tornRecord}`)
    const server = await serve(['--no-watch', '--journal', journal, '--records', records])
    try {
      expect(server.output()).toContain(`${records}: moved an unfinished last line (35 bytes) to ${records}.torn`)
      const kept = (await (await fetch(`${server.url}collector/requests`)).json()) as unknown[]
      expect(kept).toEqual([record])
    } finally {
      await server.stop()
    }
    expect(fs.readFileSync(records, 'utf8')).toBe(`${JSON.stringify(record)}\n`)
    expect(fs.readFileSync(`${records}.torn`, 'utf8')).toBe(`${tornRecord}\n`)
  })
})

describe('replay’s failures file', () => {
  let stub: Awaited<ReturnType<typeof stubConvertro>>
  beforeAll(async () => {
    stub = await stubConvertro([400])
  })
  afterAll(() => stub.close())

  const event =
    '{"type":"track","event":"Signed Up","userId":"u","timestamp":"2026-11-25T10:00:00.000Z","context":{"device":{"id":"d"}}}\n'
  function inputs() {
    const events = path.join(dir, 'events.jsonl')
    fs.writeFileSync(events, event)
    const settings = path.join(dir, 'settings.json')
    fs.writeFileSync(
      settings,
      JSON.stringify({ account: 'acme', clientName: 'acme', siteId: '1', domain: stub.domain })
    )
    return { events, settings }
  }

  it.each([
    [
      'a README',
      () => readme,
      () =>
        'is not a failures file replay wrote (their names end in .failed.jsonl): it is left as it is; give --failed a new file'
    ],
    ['a folder', () => dir, () => 'is a folder, not a file'],
    ['a path under a file', () => path.join(readme, 'x.failed.jsonl'), () => `${readme} is a file, not a folder`],
    ['a file root cannot write', () => UNWRITABLE, () => 'is not writable: permission denied (EACCES)']
  ])('refuses --failed pointing at %s before sending anything', async (_what, file, reason) => {
    const { events, settings } = inputs()
    const before = listing()
    const hashed = hash(readme)
    const run = await cli(['replay', events, '--settings', settings, '--failed', file()])
    expect(run.code).toBe(1)
    expect(run.stderr.trim()).toMatch(new RegExp(`^--failed ${file()}:? `))
    expect(run.stderr.trim()).toContain(reason())
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(stub.paths).toEqual([])
    expect(listing()).toEqual(before)
    expect(hash(readme)).toBe(hashed)
  })

  it('writes through a symbolic link to a failures file, and leaves the link a link', async () => {
    const { events, settings } = inputs()
    const real = path.join(dir, 'kept.failed.jsonl')
    fs.writeFileSync(real, 'an earlier failure\n')
    const link = path.join(dir, 'link.failed.jsonl')
    fs.symlinkSync(real, link)
    const run = await cli(['replay', events, '--settings', settings, '--failed', link])
    expect(run.stdout).toBe('replay: 1 events, 1 requests, 0 skipped, 1 failed\n')
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(fs.readFileSync(real, 'utf8')).toBe(event)
    stub.paths.length = 0
  })

  it('goes under .convertro/failed/ for an input among the project’s examples, and says where', async () => {
    const project = copyProject()
    try {
      const { settings } = inputs()
      const example = path.join(project, 'examples', 'mine.jsonl')
      fs.writeFileSync(example, event)
      const run = await cli(['replay', 'examples/mine.jsonl', '--settings', settings], { cwd: project })
      expect(run.stderr).toContain(
        'replay: 1 failed event(s) in .convertro/failed/mine.failed.jsonl: replay it to try them again'
      )
      expect(fs.readFileSync(path.join(project, '.convertro/failed/mine.failed.jsonl'), 'utf8')).toBe(event)
      expect(fs.readdirSync(path.join(project, 'examples')).filter((name) => name.includes('failed'))).toEqual([])
    } finally {
      fs.rmSync(project, { recursive: true, force: true })
      stub.paths.length = 0
    }
  })
})
