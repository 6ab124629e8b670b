import fs from 'fs'
import path from 'path'
import { runtimeRetryableStatuses } from '../../destinations/convertro/__tests__/__helpers__/runtime-retry'
import { runMatrix } from '../lab/matrix'
import type { MatrixEntry } from '../lab/matrix'
import { renderMatrix } from '../lab/render'
import type { FateName } from '../lib/fate'
import { SAMPLE_EVENTS, SAMPLE_SETTINGS } from '../lib/samples'
import { PROJECT_ROOT, cli, http, serve, tempDir, tempFile } from './helpers'

// Four runs of the CLI and a server: slow on a busy machine.
jest.setTimeout(120_000)

const ACTIONS = ['identifyUser', 'trackEvent', 'orderCompleted', 'appInstalled']
const STATUSES = ['200', '400', '401', '404', '408', '423', '429', '500', '501', '503']

describe('bin/run scenarios', () => {
  const listed = new Set(runtimeRetryableStatuses())
  /** actions-core's rule for an answer of this status; a 2xx is taken. */
  const statusFate = (status: number): FateName =>
    status === 200 ? 'delivered' : listed.has(status) || (status >= 500 && status !== 501) ? 'retry' : 'drop'

  it('runs every action alone and in a batch against every answer, the same way twice', async () => {
    const dir = tempDir('convertro-scenarios-')
    const first = await cli(['scenarios', '--json', '--out', path.join(dir, 'first.md')])
    const second = await cli(['scenarios', '--json', '--out', path.join(dir, 'second.md')])
    expect([first.code, second.code]).toEqual([0, 0])
    expect(second.stdout).toBe(first.stdout)
    expect(fs.readFileSync(path.join(dir, 'second.md'), 'utf8')).toBe(
      fs.readFileSync(path.join(dir, 'first.md'), 'utf8')
    )
    expect(first.stderr).toMatch(/^98 runs in \d+\.\d s; the matrix is written to .*first\.md\n$/)

    const entries = JSON.parse(first.stdout) as MatrixEntry[]
    const expected: MatrixEntry[] = ACTIONS.flatMap((action) => {
      const rows: { scenario: string; fate: FateName; calls: number }[] = [
        ...STATUSES.map((scenario) => ({ scenario, fate: statusFate(Number(scenario)), calls: 1 })),
        { scenario: 'timeout', fate: 'retry' as const, calls: 1 },
        { scenario: 'reset', fate: 'retry' as const, calls: 1 },
        ...(action === 'orderCompleted' ? [{ scenario: 'hybrid-second-fails', fate: 'retry' as const, calls: 2 }] : [])
      ]
      // The batch's second event is invalid: dropped, with no call; the others go as the event alone does.
      return rows.flatMap(({ scenario, fate, calls }) => [
        { action, batch: false, scenario, fate, calls },
        { action, batch: true, scenario, fate: [fate, 'drop', fate], calls: calls * 2 }
      ])
    })
    expect(entries).toEqual(expected)
  })

  it('prints the matrix it writes as Markdown', async () => {
    const out = path.join(tempDir('convertro-scenarios-'), 'matrix.md')
    const { code, stdout } = await cli(['scenarios', '--out', out, '--timeout', '100'])
    expect(code).toBe(0)
    expect(stdout).toBe(fs.readFileSync(out, 'utf8'))
    const lines = stdout.split('\n')
    expect(lines[0].split('|').map((cell) => cell.trim())).toEqual([
      '',
      'Convertro answers',
      ...ACTIONS.flatMap((action) => [action, `${action} ×3`]),
      ''
    ])
    expect(
      lines
        .find((line) => line.startsWith('| 423'))
        ?.split('|')[2]
        .trim()
    ).toBe('retry · 1 call')
    expect(lines.find((line) => line.startsWith('| timeout'))).toContain('slower than the 100 ms limit')
    expect(
      lines
        .find((line) => line.startsWith('| hybrid-second-fails'))
        ?.split('|')[6]
        .trim()
    ).toBe('retry · 2 calls')
  })
})

describe('docs/failure-lab.md', () => {
  it('shows the matrix scenarios prints today', async () => {
    // Cells compared without the padding, which the docs' formatter sets its own way.
    const rows = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith('| ') && !/^\|[\s|-]+\|$/.test(line))
        .map((line) => line.split('|').map((cell) => cell.trim()))
    const docs = fs.readFileSync(path.join(PROJECT_ROOT, 'docs/failure-lab.md'), 'utf8')
    const printed = rows(renderMatrix(await runMatrix()))
    expect(printed).toHaveLength(14)
    const header = printed[0].join('|')
    const start = rows(docs).findIndex((row) => row.join('|') === header)
    expect(rows(docs).slice(start, start + printed.length)).toEqual(printed)
  })
})

describe('serve with a scenario', () => {
  it('answers as the file says, and each route result carries each event’s fate', async () => {
    const file = tempFile('scenario.json', { rules: [{ kind: 'hit', answers: [503, 200] }] })
    const server = await serve(['--no-watch', '--scenario', file])
    try {
      expect((await server.waitFor(/Collector scenario: (\S+)/))[1]).toBe(file)
      const payload = SAMPLE_EVENTS.trackEvent
      const failed = await http(`${server.url}trackEvent`, { body: { payload, settings: SAMPLE_SETTINGS } })
      expect(failed.body).toEqual([
        expect.objectContaining({
          statusCode: 503,
          retryable: true,
          fate: expect.objectContaining({ fate: 'retry', status: 503 })
        })
      ])
      const response = await fetch(`${server.url}trackEvent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payload, settings: SAMPLE_SETTINGS })
      })
      expect(response.headers.get('x-event-fate')).toBe('delivered')
      const invalid = { ...payload, context: { device: {} } }
      const batch = await http(`${server.url}trackEvent`, {
        body: { payload: [payload, invalid, payload], settings: SAMPLE_SETTINGS }
      })
      const { fates, multistatus } = batch.body as { fates: { fate: string }[]; multistatus: unknown[] }
      expect(multistatus).toHaveLength(3)
      expect(fates.map((fate) => fate.fate)).toEqual(['delivered', 'drop', 'delivered'])
      const recorded = (await http(`${server.url}collector/requests`)).body as { status: number }[]
      expect(recorded.map((entry) => entry.status)).toEqual([503, 200, 200, 200])
    } finally {
      await server.stop()
    }
  })

  it('gives send the fate of what the collector answered', async () => {
    const file = tempFile('scenario.json', {
      rules: [{ answers: [{ status: 429, headers: { 'Retry-After': '30' } }, 404] }]
    })
    const server = await serve(['--no-watch', '--scenario', file])
    try {
      const event = tempFile('event.json', SAMPLE_EVENTS.appInstalled)
      const settings = tempFile('settings.json', SAMPLE_SETTINGS)
      const send = () => cli(['send', 'appInstalled', '-e', event, '-s', settings, '--collector', server.url])
      const retried = await send()
      expect(retried.code).toBe(1)
      expect(retried.stdout).toMatch(/→ 429 Too Many Requests\n$/)
      expect(retried.stderr.split('\n')[1]).toBe(
        "Fate: retry (429). Segment's runtime sends it again with a randomized exponential backoff, for up to four hours; after that it is dropped (https://segment.com/docs/connections/destinations/#retries-between-segment-and-destinations)."
      )
      const dropped = await send()
      expect(dropped.stderr.split('\n')[1]).toMatch(/^Fate: drop \(404\)\. Segment's runtime does not send it again: /)
      const recorded = (await http(`${server.url}collector/requests`)).body as { status: number }[]
      expect(recorded.map((entry) => entry.status)).toEqual([429, 404])
    } finally {
      await server.stop()
    }
  })

  it('refuses a bad scenario file, naming it and what is wrong', async () => {
    const file = tempFile('scenario.json', { rules: [{ kind: 'hit', answers: [{ status: 200, delayMs: 'slow' }] }] })
    const { code, stderr } = await cli(['serve', '--port', '0', '--no-watch', '--scenario', file])
    expect(code).toBe(1)
    expect(stderr).toBe(
      `--scenario ${file} is not a scenario: rules[0].answers[0].delayMs: a whole number of milliseconds from 0 to 120000\n`
    )
  })
})
