import { setImmediate as realSetImmediate } from 'timers'
import { Context } from '@segment/analytics-next'
import type { Analytics } from '@segment/analytics-next'
import { IntegrationError, defaultValues } from '@segment/actions-core'
import { hybridAttributionModel } from '../../../shared/convertro-rules'
import { destination } from '../index'
import { READY_POLL_MS } from '../constants'
import type { ConvertroCommand } from '../types'
import { deliver, mockLoadScript, plugins, resetPage, runLiveJs } from '../test-utils'

jest.mock('@segment/browser-destination-runtime/load-script')

const load = (plugin: { load: (ctx: Context, analytics: Analytics) => Promise<unknown> }) =>
  plugin.load(Context.system(), {} as Analytics)

describe('Convertro (device mode)', () => {
  beforeEach(resetPage)

  describe('initialize', () => {
    it('loads live.js for the account, percent-encoded, once the $CVO queue exists', async () => {
      const { plugins: loaded } = await plugins({ account: 'acme/eu 1?x' })
      const queueWhenLoading: unknown[] = []
      mockLoadScript.mockImplementation(async () => {
        queueWhenLoading.push(window.$CVO)
        runLiveJs([])
        return document.createElement('script')
      })

      await Promise.all(Object.values(loaded).map(load))

      expect(mockLoadScript.mock.calls).toEqual([['https://d1ivexoxmp59q7.cloudfront.net/acme%2Feu%201%3Fx/live.js']])
      expect(queueWhenLoading).toStrictEqual([[]])
    })

    it('keeps what the page queued before the destination loaded, ahead of its own pushes', async () => {
      const earlier: ConvertroCommand = ['trackEvent', { type: 'landing' }]
      window.$CVO = [earlier] as ConvertroCommand[]
      const { plugins: loaded, received } = await plugins()
      await load(loaded.trackEvent)
      await deliver(loaded.trackEvent, { type: 'track', event: 'Signed Up' })

      expect(received).toStrictEqual([earlier, ['trackEvent', { type: 'Signed Up' }]])
    })

    it('queues calls the bare plugin gets before live.js is ready; live.js runs them, in order, when it loads', async () => {
      const { plugins: loaded } = await plugins()
      const received: ConvertroCommand[] = []
      let runTag = () => {}
      mockLoadScript.mockImplementation(async () => {
        runTag = () => runLiveJs(received)
        return document.createElement('script')
      })

      const loading = load(loaded.trackEvent)
      await deliver(loaded.identifyUser, { type: 'identify', userId: 'u-1' })
      await deliver(loaded.trackEvent, { type: 'track', event: 'Signed Up' })
      expect(window.$CVO).toStrictEqual([
        ['trackUser', { id: 'u-1' }],
        ['trackEvent', { type: 'Signed Up' }]
      ])
      expect(received).toStrictEqual([])

      runTag()
      await loading
      await deliver(loaded.trackEvent, { type: 'track', event: 'Viewed Pricing' })

      expect(received).toStrictEqual([
        ['trackUser', { id: 'u-1' }],
        ['trackEvent', { type: 'Signed Up' }],
        ['trackEvent', { type: 'Viewed Pricing' }]
      ])
    })

    it('waits for live.js however long it takes, then runs what the bare plugin queued', async () => {
      jest.useFakeTimers('modern')
      try {
        const { plugins: loaded } = await plugins()
        mockLoadScript.mockResolvedValue(document.createElement('script'))

        let outcome = 'waiting'
        const loading = load(loaded.trackEvent).then(
          () => (outcome = 'ready'),
          (error: unknown) => (outcome = `failed: ${error}`)
        )
        await deliver(loaded.trackEvent, { type: 'track', event: 'Signed Up' })
        // Real I/O turns do not depend on the fake clock: by the next one, initialize waits on its readiness poll.
        await new Promise((resolve) => realSetImmediate(resolve))
        jest.advanceTimersByTime(60_000)
        await new Promise((resolve) => realSetImmediate(resolve))
        expect(outcome).toBe('waiting')
        expect(loaded.trackEvent.isLoaded()).toBe(false)
        expect(window.$CVO).toStrictEqual([['trackEvent', { type: 'Signed Up' }]])

        const received: ConvertroCommand[] = []
        runLiveJs(received)
        jest.advanceTimersByTime(READY_POLL_MS)
        await loading

        expect(outcome).toBe('ready')
        expect(loaded.trackEvent.isLoaded()).toBe(true)
        expect(received).toStrictEqual([['trackEvent', { type: 'Signed Up' }]])
      } finally {
        jest.useRealTimers()
      }
    })

    it('fails with an error naming the URL and the account setting when live.js cannot be loaded', async () => {
      const { plugins: loaded } = await plugins()
      mockLoadScript.mockRejectedValue(new Error('Failed to load https://d1ivexoxmp59q7.cloudfront.net/acme/live.js'))

      const loading = load(loaded.trackEvent)

      await expect(loading).rejects.toThrow(IntegrationError)
      await expect(loading).rejects.toThrow(
        "Convertro's live.js could not be loaded from https://d1ivexoxmp59q7.cloudfront.net/acme/live.js. Check the account setting, and that the page may load scripts from https://d1ivexoxmp59q7.cloudfront.net."
      )
    })

    it('uses live.js already running on the page instead of loading it again', async () => {
      const received: ConvertroCommand[] = []
      runLiveJs(received)
      const { plugins: loaded } = await plugins()
      await load(loaded.trackEvent)
      await deliver(loaded.trackEvent, { type: 'track', event: 'Signed Up' })

      expect(mockLoadScript).not.toHaveBeenCalled()
      expect(received).toStrictEqual([['trackEvent', { type: 'Signed Up' }]])
    })

    it.each([
      ['', 'Missing required setting: account.'],
      ['   ', 'Missing required setting: account.'],
      [null, 'Missing required setting: account.'],
      [42, 'The "account" setting must be text: your Convertro account name.'],
      [['acme'], 'The "account" setting must be text: your Convertro account name.'],
      ['.', 'The "account" setting cannot be ".".'],
      ['..', 'The "account" setting cannot be "..".']
    ])('rejects the account %p without loading anything', async (account, message) => {
      const { plugins: loaded } = await plugins({ account: account as string })

      await expect(load(loaded.identifyUser)).rejects.toThrow(message)
      expect(mockLoadScript).not.toHaveBeenCalled()
    })
  })

  describe('definition', () => {
    it('is a device-mode destination named "Convertro Web (Actions)"', () => {
      expect(destination).toMatchObject({
        name: 'Convertro Web (Actions)',
        slug: 'actions-convertro-web',
        mode: 'device'
      })
    })

    it('has one automatic preset per action, on its default trigger, with its default mapping', () => {
      expect(destination.presets).toStrictEqual([
        {
          name: 'Identify User',
          subscribe: 'type = "identify"',
          partnerAction: 'identifyUser',
          mapping: { user_id: { '@path': '$.userId' }, traits: { '@path': '$.traits' } },
          type: 'automatic'
        },
        {
          name: 'Track Event',
          // No install action in device mode: Application Installed is an event like any other here.
          subscribe: 'type = "track" and event != "Order Completed"',
          partnerAction: 'trackEvent',
          mapping: {
            event_type: { '@path': '$.event' },
            order_id: { '@path': '$.properties.order_id' },
            value: { total: { '@path': '$.properties.total' }, revenue: { '@path': '$.properties.revenue' } }
          },
          type: 'automatic'
        },
        {
          name: 'Order Completed',
          subscribe: 'type = "track" and event = "Order Completed"',
          partnerAction: 'orderCompleted',
          mapping: {
            order_id: { '@path': '$.properties.order_id' },
            order: {
              total: { '@path': '$.properties.total' },
              revenue: { '@path': '$.properties.revenue' },
              repeat: { '@path': '$.properties.repeat' }
            }
          },
          type: 'automatic'
        }
      ])
      for (const preset of destination.presets ?? []) {
        const action = destination.actions[preset.partnerAction]
        expect(preset).toMatchObject({ subscribe: action.defaultSubscription, mapping: defaultValues(action.fields) })
      }
    })

    it('has its own account setting, and the hybrid setting shared with the server destination as it is', () => {
      expect(Object.keys(destination.settings ?? {})).toEqual(['account', 'hybridAttributionModel'])
      expect(destination.settings?.account).toMatchObject({ label: 'Account', type: 'string', required: true })
      expect(destination.settings?.account.description).toContain(
        'https://d1ivexoxmp59q7.cloudfront.net/{account}/live.js'
      )
      expect(destination.settings?.hybridAttributionModel).toBe(hybridAttributionModel)
    })

    it('declares required the order id of an order and the event type of an event', () => {
      const required = Object.fromEntries(
        Object.entries(destination.actions).map(([key, action]) => [
          key,
          Object.entries(action.fields).flatMap(([field, { required }]) => (required === true ? [field] : []))
        ])
      )
      expect(required).toEqual({ identifyUser: [], trackEvent: ['event_type'], orderCompleted: ['order_id'] })
    })

    it('edits traits in the plain object editor, and the amounts as keys and values only', () => {
      expect(destination.actions.identifyUser.fields.traits).not.toHaveProperty('defaultObjectUI')
      expect(destination.actions.trackEvent.fields.value.defaultObjectUI).toBe('keyvalue:only')
      expect(destination.actions.orderCompleted.fields.order.defaultObjectUI).toBe('keyvalue:only')
    })

    it('gives every action and field a description', () => {
      for (const action of Object.values(destination.actions)) {
        expect(action.description).toBeTruthy()
        for (const field of Object.values(action.fields)) expect(field.description).toBeTruthy()
      }
    })
  })
})
