import { setImmediate as realSetImmediate } from 'timers'
import { Context } from '@segment/analytics-next'
import type { Analytics } from '@segment/analytics-next'
import { IntegrationError } from '@segment/actions-core'
import type { GlobalSetting } from '@segment/actions-core'
import { account, hybridAttributionModel } from '../../../shared/convertro-rules'
import { destination } from '../index'
import { READY_POLL_MS, READY_TIMEOUT_MS } from '../constants'
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

    it('fails with a clear error when live.js never becomes ready, keeping what the bare plugin queued', async () => {
      jest.useFakeTimers('modern')
      try {
        const { plugins: loaded } = await plugins()
        mockLoadScript.mockResolvedValue(document.createElement('script'))

        const loading = load(loaded.trackEvent)
        const failure = expect(loading).rejects.toThrow(
          "Convertro's live.js (https://d1ivexoxmp59q7.cloudfront.net/acme/live.js) loaded but did not become ready within 10 s: window.$CVO.trackEvent is not a function. Check the account setting."
        )
        await deliver(loaded.trackEvent, { type: 'track', event: 'Signed Up' })
        // Real I/O turns do not depend on the fake clock: by the next one, initialize waits on its readiness poll.
        await new Promise((resolve) => realSetImmediate(resolve))
        jest.advanceTimersByTime(READY_TIMEOUT_MS - READY_POLL_MS)
        expect(loaded.trackEvent.isLoaded()).toBe(false)
        jest.advanceTimersByTime(2 * READY_POLL_MS)
        await failure

        expect(window.$CVO).toStrictEqual([['trackEvent', { type: 'Signed Up' }]])
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
          subscribe: 'type = "track" and event != "Order Completed" and event != "Application Installed"',
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
          subscribe: 'event = "Order Completed"',
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
    })

    // The server destination takes these settings from the shared rules as they are (its tests check that).
    it('shares the server destination’s settings keys, labels and defaults', () => {
      const shared: Record<string, GlobalSetting> = { account, hybridAttributionModel }
      const pick = ({ label, type, required, default: byDefault }: Record<string, unknown>) => ({
        label,
        type,
        required,
        default: byDefault
      })
      expect(Object.keys(destination.settings ?? {})).toEqual(['account', 'hybridAttributionModel'])
      for (const key of ['account', 'hybridAttributionModel']) {
        expect(pick({ ...destination.settings?.[key] })).toStrictEqual(pick({ ...shared[key] }))
      }
      expect(destination.settings?.hybridAttributionModel.description).toBe(shared.hybridAttributionModel.description)
    })
  })
})
