import Ajv from 'ajv'
import { defaultValues } from '@segment/actions-core'
import { BROWSER_DESTINATION_DIR, loadDefinition, loadServerDestination } from '../destinations'
import { fqlProblem } from '../lib/fql'
import { cli, stubConvertro, tempFile } from './helpers'

// Each case starts the CLI as its own process.
jest.setTimeout(60_000)

/**
 * The request body of Segment's Public API "Create Destination Subscription"
 * (POST https://api.segmentapis.com/destinations/{destinationId}/subscriptions, Alpha), as documented by the
 * API's generated SDKs: segmentio/public-api-sdk-typescript model/createDestinationSubscriptionAlphaInput.ts and
 * segmentio/public-api-sdk-go api/model_create_destination_subscription_alpha_input.go (API version 73.2.0, whose
 * constructor takes the four required fields), and docs.segmentapis.com (Destinations: Create Destination
 * Subscription). `additionalProperties: false` is stricter than the API, so that a stray key fails here.
 */
const CREATE_DESTINATION_SUBSCRIPTION_ALPHA_INPUT = {
  title: 'CreateDestinationSubscriptionAlphaInput',
  description: 'The basic input parameters for creating a Destination subscription.',
  type: 'object',
  required: ['name', 'actionId', 'trigger', 'enabled'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'A user-defined name for the subscription.' },
    actionId: { type: 'string', description: 'The associated action id the subscription should trigger.' },
    trigger: { type: 'string', description: 'The FQL statement.' },
    enabled: { type: 'boolean', description: 'Is the subscription enabled.' },
    settings: {
      type: 'object',
      additionalProperties: true,
      description: 'Represents settings used to configure an action subscription.'
    },
    modelId: {
      type: 'string',
      description: 'When creating a Reverse ETL connection, indicates the Model being used to extract data.'
    }
  }
}

interface Sub {
  name: string
  partnerAction: string
  subscribe: string
  mapping: Record<string, unknown>
}
interface Migrated {
  settings?: Record<string, unknown>
  subscriptions?: Sub[]
  device?: { settings: Record<string, unknown>; subscriptions: Sub[] }
  classicSettings: Record<string, string>
  warnings: string[]
}
interface PublicApi {
  destinations: {
    mode: string
    slug: string
    settings: Record<string, unknown>
    subscriptions: { action: string; body: Record<string, unknown> }[]
  }[]
  classicSettings: Record<string, string>
  warnings: string[]
}

const CLASSIC = {
  account: 'acme',
  clientName: 'acme',
  siteId: '1',
  domain: 'acme.sp1.convertro.com',
  hybridAttributionModel: true,
  events: [
    { key: 'Signed Up', value: 'signup' },
    { key: 'Signed Up', value: 'register' },
    { key: 'Trial Started', value: 'trial' }
  ]
}

async function migrate(classic: unknown, ...flags: string[]) {
  const run = await cli(['migrate', tempFile('classic.json', classic), ...flags])
  return { ...run, warnings: run.stderr ? run.stderr.trimEnd().split('\n') : [] }
}

/** Each subscription as [action, trigger, Convertro event type when it maps one]. */
const outline = (subscriptions: Sub[]) =>
  subscriptions.map(({ partnerAction, subscribe, mapping }) => [partnerAction, subscribe, mapping.event_type])

const SIGNED_UP = 'type = "track" and event = "Signed Up"'
const TRIAL = 'type = "track" and event = "Trial Started"'

describe('migrate', () => {
  it('writes one subscription per event and Convertro name, as the classic destination sent them', async () => {
    const { code, stdout, warnings } = await migrate(CLASSIC)
    expect([code, warnings]).toEqual([0, []])
    const result = JSON.parse(stdout) as Migrated
    expect(outline(result.subscriptions ?? [])).toEqual([
      ['trackEvent', SIGNED_UP, 'signup'],
      ['trackEvent', SIGNED_UP, 'register'],
      ['trackEvent', TRIAL, 'trial'],
      ['identifyUser', 'type = "identify"', undefined],
      ['orderCompleted', 'type = "track" and event = "Order Completed"', undefined],
      ['appInstalled', 'type = "track" and event = "Application Installed"', undefined]
    ])
    expect(result.subscriptions?.map((s) => s.name).slice(0, 3)).toEqual([
      'Signed Up → signup',
      'Signed Up → register',
      'Trial Started → trial'
    ])
    expect(result.device).toBeUndefined()
    expect(result.classicSettings).toEqual({
      account: 'a setting of the device-mode destination, which was not migrated',
      clientName: 'settings.clientName of the cloud-mode destination',
      siteId: 'settings.siteId of the cloud-mode destination',
      domain: 'settings.domain of the cloud-mode destination',
      hybridAttributionModel: 'settings.hybridAttributionModel of the cloud-mode destination',
      events: 'trackEvent subscriptions, one per event and Convertro name: 3 in cloud mode'
    })
  })

  it('writes the device-mode destination’s subscriptions with --mode both, for its own actions', async () => {
    const { code, stdout, warnings } = await migrate(
      { ...CLASSIC, events: [...CLASSIC.events, { key: 'Application Installed', value: 'install' }] },
      '--mode',
      'both'
    )
    expect(code).toBe(0)
    // The classic browser destination sent Application Installed as any event; the cloud one has an action for it.
    expect(warnings).toEqual([
      'warning: cloud mode: event "Application Installed" goes to the "Application Installed" action: its mapping to "install" is not carried over'
    ])
    const result = JSON.parse(stdout) as Migrated
    const browser = await loadDefinition(BROWSER_DESTINATION_DIR)
    expect(result.device?.settings).toEqual({ account: 'acme', hybridAttributionModel: true })
    expect(outline(result.device?.subscriptions ?? [])).toEqual([
      ['trackEvent', SIGNED_UP, 'signup'],
      ['trackEvent', SIGNED_UP, 'register'],
      ['trackEvent', TRIAL, 'trial'],
      ['trackEvent', 'type = "track" and event = "Application Installed"', 'install'],
      ['identifyUser', 'type = "identify"', undefined],
      ['orderCompleted', 'type = "track" and event = "Order Completed"', undefined]
    ])
    expect(result.device?.subscriptions[0].mapping).toEqual({
      ...defaultValues(browser.actions.trackEvent.fields),
      event_type: 'signup'
    })
    const presets = (browser.presets ?? []).filter((p) => p.partnerAction !== 'trackEvent')
    expect(result.device?.subscriptions.slice(4).map((s) => s.mapping)).toEqual(
      presets.map((p) => (p.type === 'automatic' ? p.mapping : undefined))
    )
    expect(outline(result.subscriptions ?? []).map(([action]) => action)).toEqual([
      'trackEvent',
      'trackEvent',
      'trackEvent',
      'identifyUser',
      'orderCompleted',
      'appInstalled'
    ])
    expect(result.classicSettings).toMatchObject({
      account: 'settings.account of the device-mode destination',
      clientName: 'settings.clientName of the cloud-mode destination',
      events: 'trackEvent subscriptions, one per event and Convertro name: 3 in cloud mode, 4 in device mode'
    })
  })

  it('keeps its default output runnable: replay sends an event under each name, and never a device subscription', async () => {
    const both = await migrate(CLASSIC, '--mode', 'both')
    const convertro = await stubConvertro([200])
    try {
      const settings = tempFile('settings.json', { ...CLASSIC, events: undefined, domain: convertro.domain })
      const event = {
        type: 'track',
        event: 'Signed Up',
        userId: 'user-1',
        messageId: 'm-1',
        timestamp: '2024-03-05T10:20:30.000Z',
        context: { device: { id: 'device-1' } }
      }
      const events = tempFile('events.jsonl', JSON.stringify(event) + '\n')
      const args = ['replay', events, '--settings', settings, '--subscriptions', tempFile('both.json', both.stdout)]
      const replayed = await cli(args)
      expect(replayed.stdout).toBe('replay: 1 events, 2 requests, 0 skipped, 0 failed\n')
      expect(convertro.paths.map((p) => new URL(p, 'http://x').searchParams.get('typ')).sort()).toEqual([
        'register',
        'signup'
      ])

      const device = await migrate(CLASSIC, '--mode', 'device')
      expect(JSON.parse(device.stdout)).not.toHaveProperty('subscriptions')
      const file = tempFile('device.json', device.stdout)
      const refused = await cli(['replay', events, '--settings', settings, '--subscriptions', file])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(
        `${file}: it holds device-mode subscriptions only (migrate --mode device), which run in the page`
      )
    } finally {
      await convertro.close()
    }
  })

  it('writes Public API request bodies with --format public-api, valid against the documented schema', async () => {
    const { code, stdout } = await migrate(CLASSIC, '--mode', 'both', '--format', 'public-api')
    expect(code).toBe(0)
    const result = JSON.parse(stdout) as PublicApi
    const validate = new Ajv({ strict: true, allErrors: true }).compile(CREATE_DESTINATION_SUBSCRIPTION_ALPHA_INPUT)
    const bodies = result.destinations.flatMap((d) => d.subscriptions.map((s) => s.body))
    expect(bodies).toHaveLength(11)
    for (const body of bodies) {
      expect([validate(body), validate.errors]).toEqual([true, null])
      expect(fqlProblem(body.trigger as string)).toBeUndefined()
    }
    expect(result.destinations.map(({ mode, slug, settings }) => [mode, slug, Object.keys(settings)])).toEqual([
      ['cloud', 'actions-convertro', ['clientName', 'siteId', 'domain', 'hybridAttributionModel']],
      ['device', 'actions-convertro-web', ['account', 'hybridAttributionModel']]
    ])
    // The same subscriptions as the default output, in the Public API's words.
    const plain = JSON.parse((await migrate(CLASSIC, '--mode', 'both')).stdout) as Migrated
    const [cloud, device] = result.destinations
    expect(cloud.subscriptions).toEqual(
      (plain.subscriptions ?? []).map(({ name, partnerAction, subscribe, mapping }) => ({
        action: partnerAction,
        body: { name, actionId: `<actionId of ${partnerAction}>`, trigger: subscribe, enabled: true, settings: mapping }
      }))
    )
    expect(device.subscriptions.map((s) => [s.action, s.body.trigger])).toEqual(
      (plain.device?.subscriptions ?? []).map((s) => [s.partnerAction, s.subscribe])
    )
    expect(result.classicSettings).toEqual(plain.classicSettings)
    // The actions named exist in each destination, so each placeholder can be looked up by its slug.
    const server = (await loadServerDestination()).definition
    const browser = await loadDefinition(BROWSER_DESTINATION_DIR)
    expect(cloud.subscriptions.every((s) => s.action in server.actions)).toBe(true)
    expect(device.subscriptions.every((s) => s.action in browser.actions)).toBe(true)
  })

  it.each([
    [{ account: 'acme' }, 'events is not set'],
    [{ account: 'acme', events: {} }, 'events is empty'],
    [{ account: 'acme', events: [] }, 'events is empty'],
    [{ account: 'acme', events: [{ key: 'A', value: '' }] }, 'no entry of events could be carried over']
  ])('says why a classic setting %j gives no trackEvent subscription', async (classic, reason) => {
    const { code, stdout, warnings } = await migrate(classic, '--mode', 'device')
    expect(code).toBe(0)
    expect(warnings).toContain(
      `warning: ${reason}: no trackEvent subscription: as before, track events other than orders and installs are not sent`
    )
    const { device } = JSON.parse(stdout) as Migrated
    expect(device?.subscriptions.map((s) => s.partnerAction)).toEqual(['identifyUser', 'orderCompleted'])
  })

  it.each([
    ['a string', 'Signed Up=signup'],
    ['a number', 3],
    ['true', true]
  ])('refuses an events setting that is %s, saying what it must be', async (_kind, events) => {
    const file = tempFile('classic.json', { account: 'acme', events })
    const { code, stdout, stderr } = await cli(['migrate', file])
    expect([code, stdout]).toEqual([1, ''])
    expect(stderr).toBe(
      `${file}: events must be a map of Segment event names to Convertro event names, as an object { "Signed Up": "signup" } or a list of { "key": "Signed Up", "value": "signup" }; it is a ${typeof events}\n`
    )
  })

  it('reads the classic map as analytics.js did: names compared without case, orders apart', async () => {
    const events = [
      { key: 'Signed Up', value: 'signup' },
      { key: 'signed_up', value: 'signup' },
      { key: '', value: 'nameless' },
      { key: 'Completed Order', value: 'purchase' },
      { key: 'Trial Started', value: 'trial' },
      { key: 'Trial Started', value: 'trial' }
    ]
    const { code, stdout, warnings } = await migrate({ ...CLASSIC, events })
    expect(code).toBe(0)
    expect(warnings).toEqual([
      'warning: event "signed_up" is mapped to "signup" twice: one subscription',
      'warning: events has an entry with no Segment event name ("" → "nameless"): skipped',
      'warning: event "Completed Order" was an order to the classic destination, sent as a sale and not through events: its mapping to "purchase" is not carried over (the "Order Completed" subscription takes "Order Completed" only)',
      'warning: event "Trial Started" is mapped to "trial" twice: one subscription',
      'warning: events "Signed Up", "signed_up" are one event to the classic destination (it ignored case and separators): their subscriptions take each spelling'
    ])
    const result = JSON.parse(stdout) as Migrated
    expect(outline(result.subscriptions ?? []).slice(0, 2)).toEqual([
      ['trackEvent', 'type = "track" and (event = "Signed Up" or event = "signed_up")', 'signup'],
      ['trackEvent', TRIAL, 'trial']
    ])
    expect(result.subscriptions?.[0].name).toBe('Signed Up / signed_up → signup')
    for (const { subscribe } of result.subscriptions ?? []) expect(fqlProblem(subscribe)).toBeUndefined()
  })

  it('reads a list of names as events sent under their own names', async () => {
    const { code, stdout } = await migrate({ ...CLASSIC, events: ['Signed Up', 'Trial Started'] })
    expect(code).toBe(0)
    expect(outline((JSON.parse(stdout) as Migrated).subscriptions ?? []).slice(0, 2)).toEqual([
      ['trackEvent', SIGNED_UP, 'Signed Up'],
      ['trackEvent', TRIAL, 'Trial Started']
    ])
  })

  it('names a setting of the mode not migrated as such', async () => {
    const { stdout } = await migrate({ ...CLASSIC, trackAllPages: true }, '--mode', 'device')
    expect((JSON.parse(stdout) as Migrated).classicSettings).toEqual({
      account: 'settings.account of the device-mode destination',
      clientName: 'a setting of the cloud-mode destination, which was not migrated',
      siteId: 'a setting of the cloud-mode destination, which was not migrated',
      domain: 'a setting of the cloud-mode destination, which was not migrated',
      hybridAttributionModel: 'settings.hybridAttributionModel of the device-mode destination',
      events: 'trackEvent subscriptions, one per event and Convertro name: 3 in device mode',
      trackAllPages: 'no Actions equivalent: not carried over'
    })
  })
})
