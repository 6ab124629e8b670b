import http from 'http'
import type { AddressInfo } from 'net'
import nock from 'nock'
import { Destination as RuntimeDestination, createTestIntegration, defaultValues } from '@segment/actions-core'
import type { JSONObject, JSONValue, SegmentEvent } from '@segment/actions-core'
import Definition from '../index'
import * as entry from '../index'
import type { Settings } from '../generated-types'
import { account, hybridAttributionModel } from '../../../shared/convertro-rules'
import { CONTEXT, SETTINGS, expected, parseCall, recordConvertroCalls, testEvent } from './__helpers__/helpers'
import type { RecordedCall } from './__helpers__/helpers'

describe('Convertro', () => {
  it('is a cloud destination named plainly, with the five settings', () => {
    expect(Definition).toMatchObject({ name: 'Convertro', mode: 'cloud', authentication: { scheme: 'custom' } })
    const fields = Definition.authentication?.fields ?? {}
    expect(Object.keys(fields)).toEqual(['account', 'clientName', 'siteId', 'domain', 'hybridAttributionModel'])
    expect(Object.entries(fields).map(([key, field]) => [key, field.type, field.required ?? false])).toEqual([
      ['account', 'string', true],
      ['clientName', 'string', true],
      ['siteId', 'string', true],
      ['domain', 'string', true],
      ['hybridAttributionModel', 'boolean', false]
    ])
    expect(fields.hybridAttributionModel.default).toBe(false)
  })

  it('takes the settings it shares with the browser destination from the shared rules, as they are', () => {
    const fields = Definition.authentication?.fields ?? {}
    expect(fields.account).toBe(account)
    expect(fields.hybridAttributionModel).toBe(hybridAttributionModel)
  })

  it('exports the definition by default, and by name only what the local CLI reuses', () => {
    expect(Object.keys(entry).sort()).toEqual(['CALL_KINDS', 'LOOPBACK_HOSTS', 'default', 'parseDomain', 'statusError'])
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
      ['Order Completed', 'orderCompleted', 'event = "Order Completed"', 'automatic'],
      ['Application Installed', 'appInstalled', 'event = "Application Installed"', 'automatic']
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

  describe('testAuthentication', () => {
    const testDestination = createTestIntegration(Definition)

    it('accepts valid settings without calling the network', async () => {
      await expect(testDestination.testAuthentication(SETTINGS)).resolves.not.toThrow()
    })

    it.each([
      [{ account: '' }, 'Missing required setting: account.'],
      [{ clientName: '', siteId: '' }, 'Missing required settings: clientName, siteId.'],
      [{ domain: 'acme.sp1.convertro.com/evil' }, 'The "domain" setting "acme.sp1.convertro.com/evil" is invalid'],
      [{ domain: 'http://acme.sp1.convertro.com' }, 'http:// is only allowed for localhost, 127.0.0.1, [::1]']
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

    it('sends to a loopback collector over http, port included', async () => {
      const calls = recordConvertroCalls([[200, 'OK']], 'http://127.0.0.1:3000')
      await run({ type: 'identify', userId: 'user-42' }, { ...SETTINGS, domain: 'http://127.0.0.1:3000/' })
      expect(calls).toEqual([{ ...expected('user', { id: 'user-42' }), origin: 'http://127.0.0.1:3000' }])
    })

    it('sends real HTTP requests to a collector on loopback', async () => {
      const received: RecordedCall[] = []
      const server = http.createServer((req, res) => {
        received.push(parseCall(req.method ?? '', new URL(req.url ?? '', `http://${req.headers.host}`)))
        res.end('OK')
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      try {
        const settings = { ...SETTINGS, domain: origin, hybridAttributionModel: true }
        await run({ type: 'identify', userId: 'user 42/ü' }, settings)
        await run({ type: 'track', event: 'Order Completed', properties: { order_id: 'o&1', repeat: true } }, settings)
      } finally {
        await new Promise((resolve) => server.close(resolve))
      }
      expect(received).toEqual([
        { ...expected('user', { id: 'user 42/ü' }), origin },
        { ...expected('hit', { typ: 'sale.repeat', val: '1', eid: 'o&1' }), origin },
        { ...expected('hit', { typ: 'sale', val: '1', eid: 'o&1' }), origin }
      ])
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
