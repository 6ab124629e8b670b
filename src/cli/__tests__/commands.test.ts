import fs from 'fs'
import path from 'path'
import { SAMPLE_EVENTS } from '../lib/samples'
import { fqlProblem } from '../lib/fql'
import { cli, copyProject, stubConvertro, tempFile } from './helpers'

// Each case starts the CLI as its own process.
jest.setTimeout(60_000)

interface Finding {
  level: string
  destination: string
  message: string
}

const SETTINGS = { account: 'acme', clientName: 'acme', siteId: '1', domain: 'acme.sp1.convertro.com' }

describe('convertro-actions', () => {
  it.each(['generate:types', 'validate', 'serve', 'list-required-fields', 'send', 'migrate', 'export', 'scenarios'])(
    'explains %s with --help',
    async (command) => {
      const { code, stdout } = await cli([command, '--help'])
      expect(code).toBe(0)
      expect(stdout).toContain(`Usage: convertro-actions ${command}`)
    }
  )

  it('runs with PORT set to nothing, as a shell may leave it', async () => {
    const { code, stdout } = await cli(['list-required-fields'], { env: { PORT: '' } })
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toHaveProperty('actions-convertro')
  })

  it('refuses an unknown command', async () => {
    const { code, stderr } = await cli(['deploy'])
    expect(code).toBe(1)
    expect(stderr).toContain("unknown command 'deploy'")
  })
})

describe('validate', () => {
  it('passes the project with a one-line summary', async () => {
    const { code, stdout } = await cli(['validate'])
    expect(code).toBe(0)
    expect(stdout).toBe('validate: 2 destination(s), 7 action(s), 7 preset(s): 0 error(s), 0 warning(s)\n')
  })

  describe('on a broken definition', () => {
    let dir: string

    const edit = (file: string, change: (source: string) => string) =>
      fs.writeFileSync(path.join(dir, file), change(fs.readFileSync(path.join(dir, file), 'utf8')))

    beforeAll(() => {
      dir = copyProject()
      const index = path.join(dir, 'src/destinations/convertro/index.ts')
      fs.writeFileSync(
        index,
        fs
          .readFileSync(index, 'utf8')
          .replace(
            /\n {2}\],\n {2}actions: /,
            [
              ",\n    { name: 'Typo', subscribe: TRIGGERS.trackEvent, partnerAction: 'trakEvent', mapping: defaultValues(trackEvent.fields), type: 'automatic' },",
              "    { name: 'Negated', subscribe: 'type = \"track\" and not (event = \"A\")', partnerAction: 'trackEvent', mapping: defaultValues(trackEvent.fields), type: 'automatic' },",
              "    { name: 'Bad default', subscribe: TRIGGERS.trackEvent, partnerAction: 'trackEvent', mapping: { event_type: { '@pth': '$.event' } }, type: 'automatic' }",
              '  ],\n  actions: '
            ].join('\n')
          )
      )
      edit('src/destinations/convertro/identifyUser/index.ts', (source) =>
        source.replace(/description: 'Tie the device[^']*',/, '')
      )
      edit('src/destinations/convertro/appInstalled/index.ts', (source) =>
        source
          .replace(
            'defaultSubscription: TRIGGERS.appInstalled',
            `defaultSubscription: 'event = "Application Installed" and'`
          )
          .replace("label: 'App Name',", "label: 'App Name', required: true,")
          .replace("description: 'Version of the installed app (sent as `apv`).',", '')
          .replace(
            "default: { '@path': '$.context.app.version' }",
            "default: { '@path': '$.context.app.version', '@if': 1 }"
          )
      )
      edit('src/destinations/convertro/index.ts', (source) =>
        source.replace(
          /^(\s+)hybridAttributionModel$/m,
          "$1hybridAttributionModel: { ...hybridAttributionModel, default: 'no' }"
        )
      )
    })

    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

    const at = 'src/destinations/convertro'
    const ERRORS = [
      `error: ${at}: action "identifyUser" has no description`,
      `error: ${at}: action "appInstalled" has a defaultSubscription that is read as \`event = "Application Installed"\`, which is not what it says`,
      `error: ${at}: action "appInstalled" has an invalid field default: /app_version should only have one @-prefixed key but it has 2 keys.`,
      `error: ${at}: preset "Application Installed" has an invalid mapping: /app_version should only have one @-prefixed key but it has 2 keys.`,
      `error: ${at}: preset "Typo" names action "trakEvent", which does not exist`,
      `error: ${at}: preset "Negated" has a subscription that is read as \`type = "track" and event = "A"\`, which is not what it says`,
      `error: ${at}: preset "Bad default" has an invalid mapping: /event_type has an invalid directive: @pth.`,
      `error: ${at}: setting "hybridAttributionModel" is a boolean with a string default`,
      `error: ${at}: ${at}/generated-types.ts is stale: run generate:types`,
      `error: ${at}: ${at}/appInstalled/generated-types.ts is stale: run generate:types`
    ]
    const WARNINGS = [`warning: ${at}: action "appInstalled" field "app_version" has no description`]

    it('exits 1 with each problem on its own line', async () => {
      const { code, stdout } = await cli(['validate'], { cwd: dir })
      expect(code).toBe(1)
      expect(stdout.trimEnd().split('\n')).toEqual([
        ...ERRORS,
        ...WARNINGS,
        'validate: 2 destination(s), 7 action(s), 10 preset(s): 10 error(s), 1 warning(s)'
      ])
    })

    it('prints the findings as JSON with --json', async () => {
      const { code, stdout } = await cli(['validate', '--json'], { cwd: dir })
      expect(code).toBe(1)
      const result = JSON.parse(stdout) as Record<'errors' | 'warnings', Finding[]> & { ok: boolean }
      const lines = (findings: Finding[]) => findings.map((f) => `${f.level}: ${f.destination}: ${f.message}`)
      expect(result.ok).toBe(false)
      expect(lines(result.errors)).toEqual(ERRORS)
      expect(lines(result.warnings)).toEqual(WARNINGS)
    })

    it('lists a field declared required', async () => {
      const { code, stdout } = await cli(['list-required-fields'], { cwd: dir })
      expect(code).toBe(0)
      expect(JSON.parse(stdout)).toMatchObject({
        'actions-convertro': {
          settings: ['clientName', 'siteId', 'domain'],
          appInstalled: ['app_name', 'device_id', 'timestamp']
        }
      })
    })
  })
})

describe('list-required-fields', () => {
  it('prints the required settings and fields per destination as JSON', async () => {
    const { code, stdout } = await cli(['list-required-fields'])
    expect(code).toBe(0)
    // Every field the contract requires is declared required, so Segment's mapping editor marks it.
    expect(JSON.parse(stdout)).toEqual({
      'actions-convertro': {
        settings: ['clientName', 'siteId', 'domain'],
        identifyUser: ['user_id', 'device_id', 'timestamp'],
        trackEvent: ['event_type', 'device_id', 'timestamp'],
        orderCompleted: ['order_id', 'device_id', 'timestamp'],
        appInstalled: ['device_id', 'timestamp']
      },
      'actions-convertro-web': { settings: ['account'], trackEvent: ['event_type'], orderCompleted: ['order_id'] }
    })
  })
})

describe('send', () => {
  const settings = tempFile('settings.json', { ...SETTINGS, hybridAttributionModel: true })

  it('prints the exact requests of a dry run, one query table each', async () => {
    const event = tempFile('event.json', SAMPLE_EVENTS.orderCompleted)
    const { code, stdout } = await cli([
      'send',
      'orderCompleted',
      '--event',
      event,
      '--settings',
      settings,
      '--dry-run'
    ])
    expect(code).toBe(0)
    const base =
      'sid=3f1b2c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d&ts=1709634030&cua=Mozilla%2F5.0+%28iPhone%3B+CPU+iPhone+OS+17_4+like+Mac+OS+X%29+AppleWebKit%2F605.1.15+%28KHTML%2C+like+Gecko%29+Mobile%2F15E148&cip=203.0.113.7'
    const table = (typ: string) => [
      '  sid  3f1b2c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
      '  ts   1709634030',
      '  cua  Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
      '  cip  203.0.113.7',
      `  typ  ${typ}`,
      '  val  50.99',
      '  eid  order-5001',
      '  (dry run: not sent)'
    ]
    expect(stdout.trimEnd().split('\n')).toEqual([
      `GET https://acme.sp1.convertro.com/api/hit/acme/1/?${base}&typ=sale.repeat&val=50.99&eid=order-5001`,
      ...table('sale.repeat'),
      `GET https://acme.sp1.convertro.com/api/hit/acme/1/?${base}&typ=sale&val=50.99&eid=order-5001`,
      ...table('sale')
    ])
  })

  it('reads the event from standard input', async () => {
    const input = JSON.stringify(SAMPLE_EVENTS.identifyUser)
    const { code, stdout } = await cli(['send', 'identifyUser', '-e', '-', '-s', settings, '--dry-run'], { input })
    expect(code).toBe(0)
    expect(stdout.split('\n')[0]).toMatch(
      /^GET https:\/\/acme\.sp1\.convertro\.com\/api\/user\/acme\/1\/\?sid=3f1b.*&id=user-1024$/
    )
  })

  it("prints the typed error's message and exits 1, sending nothing", async () => {
    // A blank user id: present for actions-core's check of required fields, refused by the destination's own.
    const event = tempFile('event.json', { ...SAMPLE_EVENTS.identifyUser, userId: ' ' })
    const { code, stdout, stderr } = await cli(['send', 'identifyUser', '-e', event, '-s', settings, '--dry-run'])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(
      /^PayloadValidationError: .*user id.*\(PAYLOAD_VALIDATION_FAILED\)\. Segment would not retry this event\.\nFate: drop \(400\)\. Segment's runtime does not send it again: .*Delivery Overview.*\n$/
    )
  })

  it('sends for real without --dry-run and prints the answer', async () => {
    const convertro = await stubConvertro([200])
    try {
      const local = tempFile('local.json', { ...SETTINGS, domain: convertro.domain })
      const event = tempFile('event.json', SAMPLE_EVENTS.appInstalled)
      const { code, stdout } = await cli(['send', 'appInstalled', '-e', event, '-s', local])
      expect(code).toBe(0)
      const lines = stdout.trimEnd().split('\n')
      expect(lines[0]).toMatch(new RegExp(`^GET ${convertro.origin}/api/install/acme/1/\\?sid=`))
      expect(lines.slice(-4)).toEqual([
        '  app  Acme Shop',
        '  apv  4.2.0',
        '  → 200 OK',
        'Fate: delivered. Segment counts it delivered.'
      ])
      expect(convertro.paths).toEqual([new URL(lines[0].slice(4)).pathname + new URL(lines[0].slice(4)).search])
    } finally {
      await convertro.close()
    }
  })

  it('sends to convertro.test without a domain: the collector --collector names, or none when no server runs', async () => {
    const convertro = await stubConvertro([200])
    try {
      const { domain: _none, ...noDomain } = SETTINGS
      const local = tempFile('local.json', noDomain)
      const event = tempFile('event.json', SAMPLE_EVENTS.identifyUser)
      const sent = await cli(['send', 'identifyUser', '-e', event, '-s', local, '--collector', convertro.url])
      expect(sent.code).toBe(0)
      const [request] = sent.stdout.split('\n')
      expect(request).toMatch(/^GET https:\/\/convertro\.test\/api\/user\/acme\/1\/\?sid=3f1b.*&id=user-1024$/)
      expect(sent.stdout.trimEnd().split('\n').slice(-2)).toEqual([
        '  → 200 OK',
        'Fate: delivered. Segment counts it delivered.'
      ])
      expect(convertro.paths).toEqual([request.slice('GET https://convertro.test'.length)])

      // A copy of the project, whose .convertro/ no server holds.
      const project = copyProject()
      const alone = await cli(['send', 'identifyUser', '-e', event, '-s', local], { cwd: project })
      expect([alone.code, alone.stdout, alone.stderr]).toEqual([
        1,
        '',
        'send: no server is running (none holds .convertro/ingest.jsonl): start one with `npm start`, or give --collector URL\n'
      ])
      const wrong = await cli(['send', 'identifyUser', '-e', event, '-s', local, '--collector', 'convertro.test'])
      expect([wrong.code, wrong.stdout]).toEqual([1, ''])
      expect(wrong.stderr).toBe(
        "--collector convertro.test is not a local server's URL: give its http address and port, e.g. http://127.0.0.1:3000\n"
      )
      expect(convertro.paths).toHaveLength(1)
    } finally {
      await convertro.close()
    }
  })

  it('names a bad settings file and an unknown action', async () => {
    const event = tempFile('event.json', SAMPLE_EVENTS.identifyUser)
    const broken = tempFile('broken.json', '{ "account": ')
    const bad = await cli(['send', 'identifyUser', '-e', event, '-s', broken])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain(`${broken} is not valid JSON`)
    const unknown = await cli(['send', 'trackEvents', '-e', event, '-s', settings])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toBe(
      'Unknown action "trackEvents". Actions: identifyUser, trackEvent, orderCompleted, appInstalled.\n'
    )
  })
})

describe('migrate', () => {
  const classic = {
    account: 'acme',
    clientName: 'acme',
    siteId: '1',
    domain: 'https://acme.sp1.convertro.com/',
    hybridAttributionModel: true,
    events: { 'Signed Up': 'signup', 'Trial Started': 'trial' }
  }
  const trackDefaults = {
    device_id: { '@path': '$.context.device.id' },
    timestamp: { '@path': '$.timestamp' },
    user_agent: { '@path': '$.context.userAgent' },
    ip: { '@path': '$.context.ip' },
    value: { revenue: { '@path': '$.properties.revenue' } },
    order_id: { '@path': '$.properties.order_id' },
    enable_batching: false,
    batch_size: 50
  }

  it('turns the events map into trackEvent subscriptions beside the other presets', async () => {
    const { code, stdout, stderr } = await cli(['migrate', tempFile('classic.json', classic)])
    expect(code).toBe(0)
    expect(stderr).toBe('')
    const result = JSON.parse(stdout) as { subscriptions: { subscribe: string; partnerAction: string }[] }
    expect(result).toMatchObject({
      settings: {
        clientName: 'acme',
        siteId: '1',
        domain: 'acme.sp1.convertro.com',
        hybridAttributionModel: true
      },
      warnings: []
    })
    expect(result.subscriptions.map(({ partnerAction, subscribe }) => [partnerAction, subscribe])).toEqual([
      ['trackEvent', 'type = "track" and event = "Signed Up"'],
      ['trackEvent', 'type = "track" and event = "Trial Started"'],
      ['identifyUser', 'type = "identify"'],
      ['orderCompleted', 'type = "track" and event = "Order Completed"'],
      ['appInstalled', 'type = "track" and event = "Application Installed"']
    ])
    expect(result.subscriptions[0]).toEqual({
      name: 'Signed Up → signup',
      partnerAction: 'trackEvent',
      subscribe: 'type = "track" and event = "Signed Up"',
      mapping: { ...trackDefaults, event_type: 'signup' }
    })
    for (const { subscribe } of result.subscriptions) expect(fqlProblem(subscribe)).toBeUndefined()
  })

  it('reads the { key, value } list form and warns about what it cannot carry over', async () => {
    const list = {
      account: 'acme',
      siteId: '1',
      domain: 'acme.com/path',
      trackAllPages: true,
      events: [
        { key: 'Signed Up', value: 'signup' },
        { key: 'Signed Up', value: 'register' },
        { key: 'Order Completed', value: 'purchase' },
        { key: 'Say "hi"', value: 'hi' },
        { key: 'Empty', value: '' },
        { key: '', value: 'nameless' },
        'junk'
      ]
    }
    const { code, stdout, stderr } = await cli(['migrate', tempFile('classic.json', list)])
    expect(code).toBe(0)
    const warnings = [
      'clientName is missing: set it before enabling',
      'domain "acme.com/path" will be refused: The "domain" setting "acme.com/path" is invalid: it must be a host name only, without a path, query or fragment.',
      'trackAllPages has no Actions equivalent: not carried over',
      'events[6] is not a { key, value } pair: not carried over',
      'event "Order Completed" goes to the "Order Completed" action: its mapping to "purchase" is not carried over',
      'event "Say \\"hi\\"" cannot be named in a subscription (FQL has no escapes): skipped',
      'event "Empty" maps to no Convertro event type: skipped',
      'events has an entry with no Segment event name ("" → "nameless"): skipped'
    ]
    expect(stderr.trimEnd().split('\n')).toEqual(warnings.map((w) => `warning: ${w}`))
    const result = JSON.parse(stdout) as { warnings: string[]; subscriptions: { name: string }[] }
    expect(result.warnings).toEqual(warnings)
    // The classic destination sent Signed Up under both names.
    expect(result.subscriptions.map((s) => s.name)).toEqual([
      'Signed Up → signup',
      'Signed Up → register',
      'Identify User',
      'Order Completed',
      'Application Installed'
    ])
  })
})
