import http from 'http'
import nock from 'nock'
import { Destination as RuntimeDestination, createTestIntegration, defaultValues } from '@segment/actions-core'
import type { JSONObject, JSONValue, SegmentEvent } from '@segment/actions-core'
import Definition from '../index'
import * as entry from '../index'
import type { Settings } from '../generated-types'
import { hybridAttributionModel } from '../../../shared/convertro-rules'
import { CONTEXT, SETTINGS, expected, parseCall, recordConvertroCalls, testEvent } from './__helpers__/helpers'
import type { RecordedCall } from './__helpers__/helpers'
import { COLLECTOR_ORIGIN, COLLECTOR_SETTINGS, listen, routedTo, useRealSockets } from './__helpers__/local-collector'

/** The fields the contract requires of each action (docs/contract.md, "Actions"), as declared `required: true`. */
const REQUIRED_FIELDS = {
  identifyUser: ['user_id', 'device_id', 'timestamp'],
  trackEvent: ['event_type', 'device_id', 'timestamp'],
  orderCompleted: ['order_id', 'device_id', 'timestamp'],
  appInstalled: ['device_id', 'timestamp']
}

describe('Convertro', () => {
  it('is a cloud destination named "Convertro (Actions)", with the four server settings', () => {
    expect(Definition).toMatchObject({
      name: 'Convertro (Actions)',
      slug: 'actions-convertro',
      mode: 'cloud',
      authentication: { scheme: 'custom' }
    })
    const fields = Definition.authentication?.fields ?? {}
    expect(Object.entries(fields).map(([key, field]) => [key, field.type, field.required ?? false])).toEqual([
      ['clientName', 'string', true],
      ['siteId', 'string', true],
      ['domain', 'string', true],
      ['hybridAttributionModel', 'boolean', false]
    ])
    expect(fields.hybridAttributionModel.default).toBe(false)
  })

  it('takes the setting it shares with the browser destination from the shared rules, as it is', () => {
    expect(Definition.authentication?.fields.hybridAttributionModel).toBe(hybridAttributionModel)
  })

  it('exports the definition alone', () => {
    expect(Object.keys(entry)).toEqual(['default'])
  })

  const presets = (Definition.presets ?? []).flatMap((preset) => (preset.type === 'automatic' ? [preset] : []))

  it('has one automatic preset per action, on the action’s default trigger and default mapping', () => {
    expect(Definition.presets).toHaveLength(4)
    expect(presets.map(({ name, subscribe, partnerAction, type }) => [name, partnerAction, subscribe, type])).toEqual([
      ['Identify User', 'identifyUser', 'type = "identify"', 'automatic'],
      [
        'Track Event',
        'trackEvent',
        'type = "track" and event != "Order Completed" and event != "Application Installed"',
        'automatic'
      ],
      ['Order Completed', 'orderCompleted', 'type = "track" and event = "Order Completed"', 'automatic'],
      ['Application Installed', 'appInstalled', 'type = "track" and event = "Application Installed"', 'automatic']
    ])
    for (const preset of presets) {
      const action = Definition.actions[preset.partnerAction]
      expect(preset.subscribe).toBe(action.defaultSubscription)
      expect(preset.mapping).toEqual(defaultValues(action.fields))
    }
  })

  it('gives every action and field a description', () => {
    for (const action of Object.values(Definition.actions)) {
      expect(action.description).toBeTruthy()
      for (const field of Object.values(action.fields)) expect(field.description).toBeTruthy()
    }
  })

  it('declares required exactly the fields the contract requires', () => {
    const required = Object.fromEntries(
      Object.entries(Definition.actions).map(([key, action]) => [
        key,
        Object.entries(action.fields).flatMap(([field, { required }]) => (required === true ? [field] : []))
      ])
    )
    expect(required).toEqual(REQUIRED_FIELDS)
  })

  it('offers batching off by default, 50 events a batch and at most 100, the size hidden', () => {
    for (const action of Object.values(Definition.actions)) {
      expect(action.fields.enable_batching).toMatchObject({ type: 'boolean', default: false })
      expect(action.fields.batch_size).toMatchObject({
        type: 'number',
        default: 50,
        minimum: 1,
        maximum: 100,
        unsafe_hidden: true
      })
    }
  })

  describe('testAuthentication', () => {
    const testDestination = createTestIntegration(Definition)

    it('accepts valid settings, with no account (server calls never use one), without calling the network', async () => {
      const calls = recordConvertroCalls()
      expect(Object.keys(SETTINGS)).toEqual(['clientName', 'siteId', 'domain', 'hybridAttributionModel'])
      await expect(testDestination.testAuthentication(SETTINGS)).resolves.not.toThrow()
      expect(calls).toEqual([])
    })

    it.each([
      [{ clientName: '' }, 'Missing required setting: clientName.'],
      [{ clientName: '', siteId: '' }, 'Missing required settings: clientName, siteId.'],
      [{ domain: '' }, 'Missing required setting: domain.'],
      [{ domain: 'acme.sp1.convertro.com/evil' }, 'The "domain" setting "acme.sp1.convertro.com/evil" is invalid'],
      [{ domain: 'http://acme.sp1.convertro.com' }, 'calls go over https only']
    ])('rejects %p', async (overrides, message) => {
      await expect(testDestination.testAuthentication({ ...SETTINGS, ...overrides })).rejects.toThrow(message)
    })
  })

  describe('through the runtime, with the presets as subscriptions', () => {
    const subscriptions = presets.map(({ name, subscribe, partnerAction, mapping }) => ({
      name,
      subscribe,
      partnerAction,
      mapping
    })) as JSONValue
    let destination: RuntimeDestination<Settings>

    beforeEach(() => {
      destination = new RuntimeDestination(Definition)
    })

    const run = (event: Partial<SegmentEvent>, settings: Settings = SETTINGS) => {
      const runtimeSettings: JSONObject = { ...settings, subscriptions }
      return destination.onEvent(testEvent(event), runtimeSettings)
    }

    // fast-uri after 3.1.0 failed every event of a destination whose name has a space or brackets.
    it('runs an event under its name, "Convertro (Actions)"', async () => {
      const calls = recordConvertroCalls()
      expect(destination.name).toBe('Convertro (Actions)')
      await run({ type: 'identify', userId: 'user-42' })
      expect(calls).toEqual([expected('user', { id: 'user-42' })])
    })

    it('routes each kind of event to its own action only', async () => {
      const calls = recordConvertroCalls()
      await run({ type: 'identify', userId: 'user-42' })
      await run({ type: 'track', event: 'Signed Up', properties: { revenue: 10 } })
      await run({ type: 'track', event: 'Order Completed', properties: { order_id: 'o-1', total: 20, repeat: true } })
      await run({
        type: 'track',
        event: 'Application Installed',
        context: { ...CONTEXT, app: { name: 'Shop', version: '1.0' } }
      })
      await run({ type: 'page', name: 'Home' })
      // Only a track is an order or an install.
      await run({ type: 'screen', event: 'Order Completed', properties: { order_id: 'o-2' } })
      await run({ type: 'page', event: 'Application Installed' })
      expect(calls).toEqual([
        expected('user', { id: 'user-42' }),
        expected('hit', { typ: 'Signed Up', val: '10' }),
        expected('hit', { typ: 'sale.repeat', val: '20', eid: 'o-1' }),
        expected('install', { app: 'Shop', apv: '1.0' })
      ])
    })

    it('sends both sale calls under the hybrid attribution model', async () => {
      const calls = recordConvertroCalls()
      await run(
        { type: 'track', event: 'Order Completed', properties: { order_id: 'o-1', repeat: false } },
        {
          ...SETTINGS,
          hybridAttributionModel: true
        }
      )
      expect(calls).toEqual([
        expected('hit', { typ: 'sale.new', val: '1', eid: 'o-1' }),
        expected('hit', { typ: 'sale', val: '1', eid: 'o-1' })
      ])
    })

    it('percent-encodes client name and site id into their own path segments', async () => {
      const calls = recordConvertroCalls()
      await run(
        { type: 'identify', userId: 'user-42' },
        { ...SETTINGS, clientName: 'acme corp/eu?#', siteId: 'site 1/..%' }
      )
      expect(calls).toEqual([expected('user', { id: 'user-42' }, '/acme%20corp%2Feu%3F%23/site%201%2F..%25/')])
    })

    it('sends to the domain’s port when it has one', async () => {
      const origin = 'https://acme.sp1.convertro.com:8443'
      const calls = recordConvertroCalls([[200, 'OK']], origin)
      await run(
        { type: 'identify', userId: 'user-42' },
        { ...SETTINGS, domain: 'https://acme.sp1.convertro.com:8443/' }
      )
      expect(calls).toEqual([{ ...expected('user', { id: 'user-42' }), origin }])
    })

    describe('over a real connection', () => {
      useRealSockets()

      it('sends real HTTP requests, encoded as they reach the collector', async () => {
        const received: RecordedCall[] = []
        const server = http.createServer((req, res) => {
          received.push(parseCall(req.method ?? '', new URL(req.url ?? '', `https://${req.headers.host}`)))
          res.end('OK')
        })
        destination = new RuntimeDestination(routedTo(await listen(server)))
        try {
          const settings = { ...COLLECTOR_SETTINGS, hybridAttributionModel: true }
          await run({ type: 'identify', userId: 'user 42/ü' }, settings)
          await run(
            { type: 'track', event: 'Order Completed', properties: { order_id: 'o&1', repeat: true } },
            settings
          )
        } finally {
          await new Promise((resolve) => server.close(resolve))
        }
        const origin = COLLECTOR_ORIGIN
        expect(received).toEqual([
          { ...expected('user', { id: 'user 42/ü' }), origin },
          { ...expected('hit', { typ: 'sale.repeat', val: '1', eid: 'o&1' }), origin },
          { ...expected('hit', { typ: 'sale', val: '1', eid: 'o&1' }), origin }
        ])
      })
    })

    it('sends nothing and fails for good when the domain would leave Convertro’s host', async () => {
      const elsewhere = nock('https://evil.com')
        .get(() => true)
        .reply(200)
      const calls = recordConvertroCalls()
      await expect(
        run({ type: 'identify', userId: 'user-42' }, { ...SETTINGS, domain: 'acme.sp1.convertro.com@evil.com' })
      ).rejects.toMatchObject({
        status: 400,
        message: expect.stringMatching(/"domain" setting/)
      })
      expect(calls).toEqual([])
      expect(elsewhere.isDone()).toBe(false)
    })

    it('fails for good, naming the settings, when required settings are missing', async () => {
      const calls = recordConvertroCalls()
      await expect(
        run({ type: 'identify', userId: 'user-42' }, { ...SETTINGS, clientName: '', siteId: '' })
      ).rejects.toMatchObject({
        status: 400,
        message: 'Missing required settings: clientName, siteId.'
      })
      expect(calls).toEqual([])
    })
  })
})
