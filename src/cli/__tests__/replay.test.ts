import { spawn } from 'child_process'
import fs from 'fs'
import path from 'path'
import zlib from 'zlib'
import { defaultValues } from '@segment/actions-core'
import { loadServerDestination } from '../destinations'
import { SAMPLE_EVENTS } from '../lib/samples'
import { DEFAULT_RETRY } from '../lib/retry'
import { PROJECT_ROOT, cli, copyProject, serve, stubConvertro, tempDir, tempFile } from './helpers'
import type { Run } from './helpers'

// Each case starts the CLI as its own process.
jest.setTimeout(60_000)

type Event = Record<string, unknown>

const base = SAMPLE_EVENTS.identifyUser
const context = base.context as Event
const SID = '3f1b2c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d'
const TS = '1709634030'
const CUA = context.userAgent as string
const CIP = '203.0.113.7'
const COMMON = { sid: SID, ts: TS, cua: CUA, cip: CIP }

let id = 0
/** A Segment event as a source sends it, with the sample device context. */
function event(fields: Event): Event {
  id += 1
  return { messageId: `m-${id}`, context, timestamp: base.timestamp, ...fields }
}
const track = (name: string, properties: Event = {}, extra: Event = {}) =>
  event({ type: 'track', event: name, userId: 'user-1024', properties, ...extra })
const order = (orderId: string, properties: Event = {}) =>
  track('Order Completed', { order_id: orderId, total: 50.99, revenue: 45, ...properties })

const jsonl = (events: unknown[]) => events.map((e) => JSON.stringify(e) + '\n').join('')

interface Stub {
  domain: string
  origin: string
  url: string
  paths: string[]
  close(): Promise<void>
}

/** A request the stand-in Convertro received: path and decoded query. */
const received = (stub: Stub) =>
  stub.paths.map((p) => {
    const url = new URL(p, stub.origin)
    return { path: url.pathname, query: Object.fromEntries(url.searchParams) }
  })
const sorted = <T>(list: T[]) => [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))

const settingsFor = (stub: Stub, extra: Event = {}) =>
  tempFile('settings.json', { account: 'acme', clientName: 'acme', siteId: '1', domain: stub.domain, ...extra })

/** A directory whose `bin` is the project's, so the CLI can run with it as the current directory. */
function workDir(): string {
  const dir = tempDir('convertro-replay-')
  fs.symlinkSync(path.join(PROJECT_ROOT, 'bin'), path.join(dir, 'bin'))
  return dir
}

let stubs: Stub[] = []
async function stub(statuses: number[]): Promise<Stub> {
  const started = await stubConvertro(statuses)
  stubs.push(started)
  return started
}
afterEach(async () => {
  await Promise.all(stubs.map((s) => s.close()))
  stubs = []
})

/** The summary's line of fates, after a run with failures. */
const fatesLine = (delivered: number, retry: number, drop: number, failed: string) =>
  `replay: fates: ${delivered} delivered, ${retry} retry (Segment retries for up to four hours: https://segment.com/docs/connections/destinations/#retries-between-segment-and-destinations), ${drop} drop; each failed event's in ${failed.replace(
    /\.jsonl$/,
    '.fates.jsonl'
  )}`

/** The fates file's lines. */
const fatesOf = (failed: string) =>
  fs
    .readFileSync(failed.replace(/\.jsonl$/, '.fates.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown)

describe('replay', () => {
  it('explains itself with --help, with the default retries', async () => {
    const { code, stdout } = await cli(['replay', '--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('Usage: convertro-actions replay [options] <events>')
    expect(stdout.replace(/\s+/g, ' ')).toContain(`(default: ${DEFAULT_RETRY.retries})`)
    expect(stdout.replace(/\s+/g, ' ')).toContain(`(default: ${DEFAULT_RETRY.delayMs})`)
    expect(stdout.replace(/\s+/g, ' ')).toContain('each batch sends up to 10 Convertro calls at once')
  })

  describe('a file of mixed events, through the automatic presets', () => {
    const anonymous = event({ type: 'identify', anonymousId: 'anon-1', traits: { plan: 'premium' } })
    const events = [
      event({ type: 'identify', userId: 'user-1024', traits: { email: 'ada@example.com' } }),
      anonymous,
      track('Signed Up', { revenue: 12.5 }),
      track('Trial Started', { revenue: 'lots' }),
      order('order-1', { repeat: true }),
      order('order-2', { repeat: false, total: undefined }),
      order('order-3'),
      track('Application Installed'),
      event({ type: 'page', anonymousId: 'anon-2', name: 'Pricing', properties: {} }),
      track('Newsletter Subscribed', {}, { integrations: { Convertro: false } }),
      track('Support Opened', {}, { integrations: { All: false } }),
      track('Coupon Applied', { revenue: 5 }, { integrations: { All: false, Convertro: true } })
    ]

    it('sends exactly what the spec says for each event, and counts the rest', async () => {
      const convertro = await stub([200])
      const file = tempFile('events.jsonl', jsonl(events))
      const settings = settingsFor(convertro, { hybridAttributionModel: true })
      const { code, stdout, stderr } = await cli(['replay', file, '--settings', settings])

      const hit = (query: Event) => ({ path: '/api/hit/acme/1/', query: { ...COMMON, ...query } })
      expect(sorted(received(convertro))).toEqual(
        sorted([
          { path: '/api/user/acme/1/', query: { ...COMMON, id: 'user-1024' } },
          hit({ typ: 'Signed Up', val: '12.5' }),
          hit({ typ: 'Trial Started', val: '1' }),
          hit({ typ: 'sale.repeat', val: '50.99', eid: 'order-1' }),
          hit({ typ: 'sale', val: '50.99', eid: 'order-1' }),
          hit({ typ: 'sale.new', val: '45', eid: 'order-2' }),
          hit({ typ: 'sale', val: '45', eid: 'order-2' }),
          hit({ typ: 'sale', val: '50.99', eid: 'order-3' }),
          { path: '/api/install/acme/1/', query: { ...COMMON, app: 'Acme Shop', apv: '4.2.0' } },
          hit({ typ: 'Coupon Applied', val: '5' })
        ])
      )
      expect(stdout).toBe('replay: 12 events, 10 requests, 3 skipped, 1 failed\n')
      expect(code).toBe(1)
      // The anonymous identify is refused by the action: nothing sent, and it is the one failure.
      const failed = file.replace(/\.jsonl$/, '.failed.jsonl')
      expect(stderr.trimEnd().split('\n')).toEqual([
        `replay: line 2 (messageId ${
          anonymous.messageId as string
        }): Identify User: The root value is missing the required field 'user_id'. (PAYLOAD_VALIDATION_FAILED). Segment would not retry this event.`,
        `replay: 1 failed event(s) in ${failed}: replay it to try them again`,
        fatesLine(8, 0, 1, failed)
      ])
      expect(fs.readFileSync(failed, 'utf8')).toBe(jsonl([anonymous]))
      expect(fatesOf(failed)).toEqual([
        {
          where: 'line 2',
          messageId: anonymous.messageId,
          fate: 'drop',
          failures: [
            {
              subscription: 'Identify User',
              fate: 'drop',
              status: 400,
              reason: "The root value is missing the required field 'user_id'."
            }
          ]
        }
      ])
    })

    it('reads a JSON array file the same way', async () => {
      const convertro = await stub([200])
      const file = tempFile('events.json', JSON.stringify(events, null, 2))
      const settings = settingsFor(convertro, { hybridAttributionModel: true })
      const { code, stdout, stderr } = await cli(['replay', file, '--settings', settings])
      expect(stdout).toBe('replay: 12 events, 10 requests, 3 skipped, 1 failed\n')
      expect(code).toBe(1)
      expect(convertro.paths).toHaveLength(10)
      expect(stderr).toContain(
        `replay: item 2 (messageId ${
          anonymous.messageId as string
        }): Identify User: The root value is missing the required field 'user_id'.`
      )
      expect(fs.readFileSync(file.replace(/\.json$/, '.failed.jsonl'), 'utf8')).toBe(jsonl([anonymous]))
    })

    it('reads a gzipped JSON-lines file, as Segment archives are', async () => {
      const convertro = await stub([200])
      const file = tempFile('events.jsonl.gz')
      fs.writeFileSync(file, zlib.gzipSync(jsonl(events.filter((e) => e !== anonymous))))
      const { code, stdout } = await cli(['replay', file, '--settings', settingsFor(convertro)])
      expect(stdout).toBe('replay: 11 events, 8 requests, 3 skipped, 0 failed\n')
      expect(code).toBe(0)
    })
  })

  it('sends what it read before a JSON array breaks off, and exits 1 naming the file', async () => {
    const convertro = await stub([200])
    const events = [track('Signed Up'), track('Trial Started')]
    const file = tempFile('events.json', JSON.stringify(events).slice(0, -1) + ', {"type": "tra')
    const { code, stdout, stderr } = await cli(['replay', file, '--settings', settingsFor(convertro)])
    expect(stdout).toBe('replay: 2 events, 2 requests, 0 skipped, 0 failed\n')
    expect(code).toBe(1)
    expect(stderr).toMatch(new RegExp(`^replay: ${file} is not a valid JSON array: `))
    expect(convertro.paths).toHaveLength(2)
  })

  it('reads standard input, and writes its failed file in the current directory', async () => {
    const convertro = await stub([200])
    const dir = workDir()
    const events = [track('Signed Up'), event({ type: 'identify' }), track('Trial Started')]
    const { code, stdout } = await cli(['replay', '-', '--settings', settingsFor(convertro)], {
      cwd: dir,
      input: jsonl(events)
    })
    expect(stdout).toBe('replay: 3 events, 2 requests, 0 skipped, 1 failed\n')
    expect(code).toBe(1)
    expect(received(convertro).map((r) => r.query.typ)).toEqual(['Signed Up', 'Trial Started'])
    expect(fs.readFileSync(path.join(dir, 'replay.failed.jsonl'), 'utf8')).toBe(jsonl([events[1]]))
  })

  it('takes its subscriptions from what migrate prints', async () => {
    const migrated = await cli(['migrate', 'examples/classic-settings.json'])
    expect(migrated.code).toBe(0)
    const subscriptions = tempFile('migrated.json', migrated.stdout)
    const convertro = await stub([200])
    const events = [
      track('Signed Up', { revenue: 20 }),
      track('Trial Started'),
      track('Product Viewed'),
      order('order-9', { repeat: true })
    ]
    const file = tempFile('events.jsonl', jsonl(events))
    const { code, stdout } = await cli([
      'replay',
      file,
      '--subscriptions',
      subscriptions,
      '--settings',
      settingsFor(convertro, { hybridAttributionModel: true })
    ])
    expect(stdout).toBe('replay: 4 events, 4 requests, 1 skipped, 0 failed\n')
    expect(code).toBe(0)
    // The classic events map names the Convertro event types; an unmapped track event is not sent.
    expect(sorted(received(convertro).map((r) => [r.query.typ, r.query.val, r.query.eid ?? null]))).toEqual(
      sorted([
        ['signup', '20', null],
        ['trial', '1', null],
        ['sale.repeat', '50.99', 'order-9'],
        ['sale', '50.99', 'order-9']
      ])
    )
  })

  it('runs the documented flow: npm start on another port, then replay of the example without a domain', async () => {
    // A copy of the project, so its .convertro/ is this test's: `npm start -- --port 3100` in docs/send-events.md; here
    // a free port, which is not 3000 either, so another run on this machine cannot collide with it.
    const project = copyProject()
    const nothing = await cli(['replay', 'examples/replay.jsonl'], { cwd: project })
    expect([nothing.code, nothing.stdout, nothing.stderr]).toEqual([
      1,
      '',
      'replay: no server is running (none holds .convertro/ingest.jsonl): start one with `npm start`, or give --collector URL or settings with a domain\n'
    ])
    const server = await serve(
      ['--no-watch', '--journal', '.convertro/ingest.jsonl', '--records', '.convertro/collector.jsonl'],
      project
    )
    try {
      const run = await cli(['replay', 'examples/replay.jsonl'], { cwd: project })
      expect([run.code, run.stdout, run.stderr]).toEqual([
        0,
        'replay: 20 events, 15 requests, 5 skipped, 0 failed\n',
        ''
      ])
      const recorded = (await (await fetch(`${server.url}collector/requests`)).json()) as unknown[]
      expect(recorded).toHaveLength(15)
      expect(fs.readdirSync(path.join(project, 'examples')).sort()).toEqual(
        fs.readdirSync(path.join(PROJECT_ROOT, 'examples')).sort()
      )
    } finally {
      await server.stop()
      fs.rmSync(project, { recursive: true, force: true })
    }
  })

  it('prints the requests of a dry run and sends nothing', async () => {
    const convertro = await stub([200])
    const events = [
      event({ type: 'identify', userId: 'user-1024' }),
      order('order-1', { repeat: false }),
      event({ type: 'page', anonymousId: 'anon-2', name: 'Home' })
    ]
    const file = tempFile('events.jsonl', jsonl(events))
    const settings = settingsFor(convertro, { hybridAttributionModel: true })
    const { code, stdout, stderr } = await cli(['replay', file, '--settings', settings, '--dry-run'])
    const query = `sid=${SID}&ts=${TS}&cua=${new URLSearchParams({ cua: CUA }).toString().slice(4)}&cip=${CIP}`
    expect(stdout.split('\n')).toEqual([
      `GET ${convertro.origin}/api/user/acme/1/?${query}&id=user-1024`,
      `GET ${convertro.origin}/api/hit/acme/1/?${query}&typ=sale.new&val=50.99&eid=order-1`,
      `GET ${convertro.origin}/api/hit/acme/1/?${query}&typ=sale&val=50.99&eid=order-1`,
      'replay: 3 events, 3 requests, 1 skipped, 0 failed',
      ''
    ])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(convertro.paths).toEqual([])
  })

  it('refuses bad settings before reading any event, naming the setting', async () => {
    const convertro = await stub([200])
    const file = tempFile('events.jsonl', jsonl([track('Signed Up')]))
    const http = await cli([
      'replay',
      file,
      '--settings',
      settingsFor(convertro, { domain: 'http://convertro.example' })
    ])
    expect(http.code).toBe(1)
    expect(http.stdout).toBe('')
    expect(http.stderr).toMatch(/^Invalid settings: .*"domain" setting "http:\/\/convertro\.example" is invalid/)
    const missing = await cli([
      'replay',
      file,
      '--settings',
      tempFile('settings.json', { account: 'acme', siteId: '1' })
    ])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^Invalid settings: .*'clientName'/)
    expect(convertro.paths).toEqual([])
    expect(fs.existsSync(file.replace(/\.jsonl$/, '.failed.jsonl'))).toBe(false)
  })

  it('fails a line that is not an event, with its line number, and keeps it as it was', async () => {
    const convertro = await stub([200])
    const lines = [JSON.stringify(track('Signed Up')), '{"type": "track", ', '', '[1, 2]', JSON.stringify(track('B'))]
    const file = tempFile('events.jsonl', lines.join('\n') + '\n')
    const { code, stdout, stderr } = await cli(['replay', file, '--settings', settingsFor(convertro)])
    expect(stdout).toBe('replay: 4 events, 2 requests, 0 skipped, 2 failed\n')
    expect(code).toBe(1)
    const failed = file.replace(/\.jsonl$/, '.failed.jsonl')
    expect(stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^replay: line 2: not JSON: /),
      'replay: line 4: not an event: an array, not a JSON object',
      `replay: 2 failed event(s) in ${failed}: replay it to try them again`,
      fatesLine(2, 0, 2, failed)
    ])
    expect(fs.readFileSync(failed, 'utf8')).toBe('{"type": "track", \n[1, 2]\n')
    expect(fatesOf(failed)).toEqual([
      {
        where: 'line 2',
        fate: 'drop',
        failures: [
          { subscription: 'Tracking API', fate: 'drop', status: 400, reason: expect.stringMatching(/^not JSON: /) }
        ]
      },
      {
        where: 'line 4',
        fate: 'drop',
        failures: [
          {
            subscription: 'Tracking API',
            fate: 'drop',
            status: 400,
            reason: 'not an event: an array, not a JSON object'
          }
        ]
      }
    ])
    expect(convertro.paths).toHaveLength(2)
  })

  it.each([
    ['JSON lines', (events: string[]) => events.join('\n') + '\n', 'line', 'events.jsonl'],
    ['a JSON array', (events: string[]) => `[${events.join(',')}]`, 'item', 'events.json']
  ])('fails an event nested beyond the limit in %s, naming it and the limit', async (_form, write, unit, name) => {
    const convertro = await stub([200])
    const deep = JSON.stringify(track('Deep', { nested: 'HOLE' })).replace(
      '"HOLE"',
      '['.repeat(5000) + ']'.repeat(5000)
    )
    const file = tempFile(name, write([JSON.stringify(track('Signed Up')), deep]))
    const { code, stdout, stderr } = await cli(['replay', file, '--settings', settingsFor(convertro)])
    expect([code, stdout]).toEqual([1, 'replay: 2 events, 1 requests, 0 skipped, 1 failed\n'])
    expect(stderr.split('\n')[0]).toBe(`replay: ${unit} 2: nested deeper than 100 levels, the limit for JSON input`)
    expect(convertro.paths).toHaveLength(1)
  })

  it('shows the first 20 failures and says where the rest are', async () => {
    const convertro = await stub([200])
    const file = tempFile('events.jsonl', 'not json\n'.repeat(25))
    const { code, stdout, stderr } = await cli(['replay', file, '--settings', settingsFor(convertro)])
    expect(code).toBe(1)
    expect(stdout).toBe('replay: 25 events, 0 requests, 0 skipped, 25 failed\n')
    const failed = file.replace(/\.jsonl$/, '.failed.jsonl')
    const lines = stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(23)
    expect(lines[19]).toMatch(/^replay: line 20: not JSON/)
    expect(lines.slice(20)).toEqual([
      `replay: … and 5 more in ${failed}`,
      `replay: 25 failed event(s) in ${failed}: replay it to try them again`,
      fatesLine(0, 0, 25, failed)
    ])
    expect(fatesOf(failed).map((line) => (line as { where: string }).where)).toEqual(
      Array.from({ length: 25 }, (_, index) => `line ${index + 1}`)
    )
    expect(fs.readFileSync(failed, 'utf8')).toBe('not json\n'.repeat(25))
  })

  it('retries a retryable failure on its own subscription, never re-sending what succeeded', async () => {
    // Convertro answers the first call 503, then 200.
    const convertro = await stub([503, 200])
    const { trackEvent, orderCompleted } = (await loadServerDestination()).definition.actions
    const subscriptions = tempFile('subscriptions.json', {
      subscriptions: [
        {
          name: 'Orders as purchases',
          partnerAction: 'trackEvent',
          subscribe: 'event = "Order Completed"',
          mapping: { ...defaultValues(trackEvent.fields), event_type: 'purchase' }
        },
        {
          name: 'Order Completed',
          partnerAction: 'orderCompleted',
          subscribe: 'event = "Order Completed"',
          mapping: defaultValues(orderCompleted.fields)
        }
      ]
    })
    const file = tempFile('events.jsonl', jsonl([order('order-7', { repeat: true })]))
    const settings = settingsFor(convertro, { hybridAttributionModel: true })
    const args = ['replay', file, '--settings', settings, '--subscriptions', subscriptions, '--retry-delay', '10']
    const { code, stdout, stderr } = await cli(args)
    expect(stderr).toBe('')
    expect(stdout).toBe('replay: 1 events, 4 requests, 0 skipped, 0 failed\n')
    expect(code).toBe(0)
    // The purchase failed and was sent again; the order's pair, which succeeded, was sent once.
    expect(received(convertro).map((r) => r.query.typ)).toEqual(['purchase', 'sale.repeat', 'sale', 'purchase'])
    expect(fs.existsSync(file.replace(/\.jsonl$/, '.failed.jsonl'))).toBe(false)
  })

  it('gives up on a retryable failure after the retries, counting every request', async () => {
    const convertro = await stub([503])
    const signedUp = track('Signed Up')
    const file = tempFile('events.jsonl', jsonl([signedUp]))
    const args = ['replay', file, '--settings', settingsFor(convertro), '--retries', '2', '--retry-delay', '5']
    const { code, stdout, stderr } = await cli(args)
    expect(stdout).toBe('replay: 1 events, 3 requests, 0 skipped, 1 failed\n')
    expect(code).toBe(1)
    expect(stderr.split('\n')[0]).toBe(
      `replay: line 1 (messageId ${
        signedUp.messageId as string
      }): Track Event: Convertro answered 503: answer 3 (SERVICE_UNAVAILABLE). Segment would retry this event. Gave up after 2 retries.`
    )
    expect(convertro.paths).toHaveLength(3)
  })

  it.each([
    [423, 'LOCKED', 3],
    [429, 'TOO_MANY_REQUESTS', 3],
    [501, 'NOT_IMPLEMENTED', 1],
    [404, 'NOT_FOUND', 1]
  ])('retries status %i as Segment would (%s, %i request(s))', async (status, code, requests) => {
    const convertro = await stub([status])
    const signedUp = track('Signed Up')
    const file = tempFile('events.jsonl', jsonl([signedUp]))
    const args = ['replay', file, '--settings', settingsFor(convertro), '--retries', '2', '--retry-delay', '5']
    const { stdout, stderr } = await cli(args)
    expect(stdout).toBe(`replay: 1 events, ${requests} requests, 0 skipped, 1 failed\n`)
    const retried = requests > 1
    expect(stderr.split('\n')[0]).toBe(
      `replay: line 1 (messageId ${
        signedUp.messageId as string
      }): Track Event: Convertro answered ${status}: answer ${requests} (${code}). ` +
        (retried ? 'Segment would retry this event. Gave up after 2 retries.' : 'Segment would not retry this event.')
    )
    expect(convertro.paths).toHaveLength(requests)
  })

  it('sends to the collector --collector names when the settings name no domain, as convertro.test', async () => {
    const convertro = await stub([200])
    const file = tempFile('events.jsonl', jsonl([track('Signed Up')]))
    const settings = tempFile('settings.json', { clientName: 'acme', siteId: '1' })
    const dry = await cli(['replay', file, '--settings', settings, '--dry-run'])
    const query = `sid=${SID}&ts=${TS}&cua=${new URLSearchParams({ cua: CUA }).toString().slice(4)}&cip=${CIP}`
    const call = `/api/hit/acme/1/?${query}&typ=Signed+Up&val=1`
    expect([dry.code, dry.stdout, dry.stderr]).toEqual([
      0,
      `GET https://convertro.test${call}\nreplay: 1 events, 1 requests, 0 skipped, 0 failed\n`,
      ''
    ])
    const run = await cli(['replay', file, '--settings', settings, '--collector', convertro.url])
    expect([run.code, run.stdout, run.stderr]).toEqual([0, 'replay: 1 events, 1 requests, 0 skipped, 0 failed\n', ''])
    expect(convertro.paths).toEqual([call])
  })

  it('fails a non-retryable answer at once, and the failed file replays once Convertro takes it', async () => {
    const refusing = await stub([400])
    const events = [
      track('Signed Up'),
      track('Trial Started'),
      event({ type: 'page', anonymousId: 'anon-2', name: 'Home' })
    ]
    const file = tempFile('events.jsonl', jsonl(events))
    const first = await cli(['replay', file, '--settings', settingsFor(refusing), '--retry-delay', '5'])
    expect(first.stdout).toBe('replay: 3 events, 2 requests, 1 skipped, 2 failed\n')
    expect(first.code).toBe(1)
    expect(first.stderr).toContain(
      'Track Event: Convertro answered 400: answer 1 (BAD_REQUEST). Segment would not retry this event.'
    )
    expect(refusing.paths).toHaveLength(2)

    const failed = file.replace(/\.jsonl$/, '.failed.jsonl')
    expect(
      fs
        .readFileSync(failed, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as unknown)
    ).toEqual(expect.arrayContaining([events[0], events[1]]))
    // Replayed while Convertro still refuses them, the failed file is written again in place.
    const still = await cli(['replay', failed, '--settings', settingsFor(refusing)])
    expect(still.stdout).toBe('replay: 2 events, 2 requests, 0 skipped, 2 failed\n')
    expect(still.code).toBe(1)
    expect(sorted(fs.readFileSync(failed, 'utf8').split('\n'))).toEqual(
      sorted([...jsonl(events.slice(0, 2)).split('\n')])
    )
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual([
      'events.failed.fates.jsonl',
      'events.failed.jsonl',
      'events.jsonl'
    ])

    const accepting = await stub([200])
    const again = await cli(['replay', failed, '--settings', settingsFor(accepting)])
    expect(again.stdout).toBe('replay: 2 events, 2 requests, 0 skipped, 0 failed\n')
    expect(again.code).toBe(0)
    expect(sorted(received(accepting).map((r) => r.query.typ))).toEqual(['Signed Up', 'Trial Started'])
    // Everything in it was delivered: the failed file is gone, so it cannot be sent twice.
    expect(again.stderr).toBe(`replay: nothing failed: removed ${failed}, left by an earlier run\n`)
    expect(fs.existsSync(failed)).toBe(false)
  })
})

describe('replay of 100,000 events', () => {
  const EVENTS = 100_000

  /** A realistic archive: the four actions' events and ones that are skipped, and what Convertro should get. */
  function generate(file: string) {
    const expected = { requests: { user: 0, hit: 0, install: 0 }, skipped: 0 }
    let seed = 42
    // A fixed pseudo-random sequence, so every run replays the same file.
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const out = fs.openSync(file, 'w')
    let chunk = ''
    for (let i = 0; i < EVENTS; i++) {
      const device = `device-${i % 5000}`
      const ctx = { ...context, device: { id: device, type: 'ios' }, ip: `198.51.100.${i % 250}` }
      const common = { messageId: `gen-${i}`, timestamp: new Date(1709634030000 + i * 1000).toISOString() }
      const userId = `user-${i % 20000}`
      const r = random()
      let e: Event
      if (r < 0.2) {
        e = { type: 'identify', userId, traits: { plan: 'premium', email: `${userId}@example.com` } }
        expected.requests.user += 1
      } else if (r < 0.5) {
        e = {
          type: 'track',
          event: 'Product Viewed',
          userId,
          properties: { product_id: `sku-${i % 300}`, revenue: 9.99 }
        }
        expected.requests.hit += 1
      } else if (r < 0.65) {
        const repeat = [true, false, undefined][i % 3]
        e = {
          type: 'track',
          event: 'Order Completed',
          userId,
          properties: { order_id: `order-${i}`, total: 120.5, revenue: 110, currency: 'USD', repeat }
        }
        expected.requests.hit += repeat === undefined ? 1 : 2
      } else if (r < 0.7) {
        e = { type: 'track', event: 'Application Installed', anonymousId: `anon-${i}`, properties: {} }
        expected.requests.install += 1
      } else if (r < 0.75) {
        e = {
          type: 'track',
          event: 'Coupon Applied',
          userId,
          properties: {},
          integrations: { All: false, Convertro: true }
        }
        expected.requests.hit += 1
      } else {
        // Skipped: pages (no subscription), and events the Integrations object keeps from Convertro.
        const integrations = r < 0.8 ? { Convertro: false } : r < 0.85 ? { All: false } : undefined
        e = integrations
          ? { type: 'track', event: 'Newsletter Subscribed', userId, properties: {}, integrations }
          : { type: 'page', name: 'Pricing', userId, properties: { path: '/pricing' } }
        expected.skipped += 1
      }
      chunk += JSON.stringify({ ...e, ...common, context: ctx }) + '\n'
      if (chunk.length > 1 << 20) {
        fs.writeSync(out, chunk)
        chunk = ''
      }
    }
    fs.writeSync(out, chunk)
    fs.closeSync(out)
    return expected
  }

  /**
   * A stand-in Convertro that only counts the calls it answers, by kind, keeping connections alive. It runs as a
   * process of its own: in the test's process, jest's open-handle tracking would make it the bottleneck.
   */
  async function countingConvertro() {
    const server = `
      const counts = {}
      const server = require('http').createServer((req, res) => {
        if (req.url === '/counts') return res.end(JSON.stringify(counts))
        const kind = req.url.split('/')[2]
        counts[kind] = (counts[kind] || 0) + 1
        res.writeHead(200, { 'content-type': 'image/gif' })
        res.end()
      })
      server.listen(0, '127.0.0.1', () => console.log(server.address().port))`
    const child = spawn(process.execPath, ['-e', server])
    const exited = new Promise((resolve) => child.once('exit', resolve))
    const port = await new Promise<string>((resolve) =>
      child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()))
    )
    return {
      domain: `convertro.test:${port}`,
      counts: async () => (await (await fetch(`http://127.0.0.1:${port}/counts`)).json()) as Record<string, number>,
      close: async () => {
        child.kill()
        await exited
      }
    }
  }

  /** Runs the CLI to the end, however long it takes within `ms`, and measures how long it took. */
  function runLong(args: string[], ms: number): Promise<Run & { seconds: number }> {
    const startedAt = Date.now()
    const child = spawn(path.join(PROJECT_ROOT, 'bin/run'), args, { cwd: PROJECT_ROOT })
    const timer = setTimeout(() => child.kill('SIGKILL'), ms)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    return new Promise((resolve) =>
      child.once('exit', (code) => {
        clearTimeout(timer)
        resolve({ code: code ?? 1, stdout, stderr, seconds: (Date.now() - startedAt) / 1000 })
      })
    )
  }

  it('sends every call once, counts what it skipped, and reports its peak memory', async () => {
    const dir = tempDir('convertro-replay-100k-')
    const file = path.join(dir, 'events.jsonl')
    const expected = generate(file)
    const convertro = await countingConvertro()
    try {
      const settings = tempFile('settings.json', {
        ...{ account: 'acme', clientName: 'acme', siteId: '1' },
        domain: convertro.domain,
        hybridAttributionModel: true
      })
      const { code, stdout, stderr, seconds } = await runLong(
        ['replay', file, '--settings', settings, '--stats'],
        160_000
      )

      const requests = expected.requests.user + expected.requests.hit + expected.requests.install
      expect(await convertro.counts()).toEqual(expected.requests)
      expect(stdout).toBe(`replay: ${EVENTS} events, ${requests} requests, ${expected.skipped} skipped, 0 failed\n`)
      expect(code).toBe(0)
      const stats = /replay: peak memory (\d+) MB, (\d+) events\/s/.exec(stderr)
      expect(stats).not.toBeNull()
      const [, peakMb, perSecond] = stats as RegExpExecArray
      // Streaming keeps memory flat: far below the file's size plus what a run holds at once.
      expect(Number(peakMb)).toBeLessThan(400)
      console.log(
        `replay of ${EVENTS} events (${requests} requests): ${seconds.toFixed(
          1
        )} s, ${perSecond} events/s, peak memory ${peakMb} MB`
      )
      expect(fs.existsSync(path.join(dir, 'events.failed.jsonl'))).toBe(false)
    } finally {
      await convertro.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 170_000)
})
