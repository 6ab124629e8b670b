import type { DestinationDefinition, JSONObject, SegmentEvent } from '@segment/actions-core'
import definition from '../../src/destinations/convertro'
import { presetSubscriptions } from '../../src/cli/routing/subscriptions'
import { TRIGGERS } from '../../src/destinations/convertro/constants'
import type { Settings } from '../../src/destinations/convertro/generated-types'
import { callOptions } from '../../src/destinations/convertro/request'

export type ActionKey = keyof typeof TRIGGERS
export const ACTIONS = Object.keys(TRIGGERS) as ActionKey[]

export const SETTINGS: Settings = {
  clientName: 'acme',
  siteId: '1234',
  domain: 'acme.sp1.convertro.com',
  hybridAttributionModel: false
}

const context = {
  device: { id: 'device-1' },
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  ip: '203.0.113.7',
  library: { name: 'analytics.js', version: '2.11.1' },
  page: { url: 'https://shop.example.com/checkout', referrer: 'https://www.example.com/' },
  app: { name: 'Shop', version: '4.2.0' }
}

const base = {
  messageId: 'msg-1',
  anonymousId: 'anon-1',
  userId: 'user-1',
  timestamp: '2024-03-05T10:20:30.999Z',
  context
}

/** A realistic event for each action, each matching that action's default trigger. */
export const EVENTS: Record<ActionKey, SegmentEvent> = {
  identifyUser: { ...base, type: 'identify', traits: { plan: 'pro' } },
  trackEvent: { ...base, type: 'track', event: 'Signed Up', properties: { revenue: 50.99, order_id: 'o-1' } },
  orderCompleted: {
    ...base,
    type: 'track',
    event: 'Order Completed',
    properties: { order_id: 'o-1', total: 120.5, revenue: 100, repeat: true }
  },
  appInstalled: { ...base, type: 'track', event: 'Application Installed' }
}

/**
 * Ten events as an app's traffic runs: mostly tracks, an identify, and orders and an install now and then
 * (orders, the costliest call to build, over-represented rather than under).
 */
export const TRAFFIC_MIX: SegmentEvent[] = [
  EVENTS.trackEvent,
  EVENTS.identifyUser,
  EVENTS.trackEvent,
  EVENTS.orderCompleted,
  EVENTS.trackEvent,
  EVENTS.trackEvent,
  EVENTS.appInstalled,
  EVENTS.trackEvent,
  EVENTS.orderCompleted,
  EVENTS.trackEvent
]

/** What `Destination.onEvent` takes: the destination settings plus the subscription it runs. */
export function onEventSettings(
  settings: object,
  partnerAction: string,
  subscribe: string,
  mapping: JSONObject
): JSONObject {
  return { ...settings, subscription: { name: partnerAction, partnerAction, subscribe, mapping } } as JSONObject
}

const PRESETS = presetSubscriptions(definition)

/** Each action's preset: its default trigger and default mapping, as a customer enabling it gets. */
export function convertroSettings(action: ActionKey, settings: Settings = SETTINGS): JSONObject {
  const preset = PRESETS.find((subscription) => subscription.partnerAction === action)
  if (!preset) throw new Error(`No preset for ${action}`)
  return onEventSettings(settings, action, preset.subscribe, preset.mapping ?? {})
}

type Request = (url: string, options: object) => Promise<unknown>

/** A destination whose actions have exactly our fields and whose perform makes these calls, one after the other. */
function floorWith(calls: ((request: Request) => Promise<unknown>)[]): DestinationDefinition<Settings> {
  const [first, ...rest] = calls
  const actions = Object.fromEntries(
    ACTIONS.map((key) => [
      key,
      {
        title: definition.actions[key].title,
        description: 'The framework floor.',
        fields: definition.actions[key].fields,
        // One call: the request's promise, as a destination's perform returns it; more: each in turn, as ours sends them.
        perform:
          rest.length === 0
            ? first
            : async (request: Request) => {
                const responses = [await first(request)]
                for (const call of rest) responses.push(await call(request))
                return responses
              }
      }
    ])
  )
  return { ...definition, name: 'Floor', slug: 'floor', presets: [], actions }
}

const arrayOf = (urls: string | string[]) => (typeof urls === 'string' ? [urls] : urls)

/**
 * The floor: a destination whose actions have exactly our fields (so mapping, validation and the request
 * client cost the same) and whose perform sends the given GETs, built in advance, with the request options ours
 * gives, from the same function (so the request client does the same work), one after the other, and does
 * nothing else.
 */
export function floorDefinition(urls: string | string[]): DestinationDefinition<Settings> {
  return floorWith(arrayOf(urls).map((url) => (request: Request) => request(url, callOptions())))
}

/**
 * The floor, plus the encoding the contract asks for: each GET's query is encoded by URLSearchParams from the same
 * values on every event, as ours must encode it, and nothing else is built. Between it and the floor: what the
 * encoding alone costs; between ours and it: what the destination's own code adds.
 */
export function encodingFloorDefinition(urls: string | string[]): DestinationDefinition<Settings> {
  return floorWith(
    arrayOf(urls).map((url) => {
      const at = url.indexOf('?')
      const [base, values] = [url.slice(0, at), Object.fromEntries(new URLSearchParams(url.slice(at + 1)))]
      return (request: Request) => request(`${base}?${new URLSearchParams(values)}`, callOptions())
    })
  )
}

/** What the harness needs of a `Destination`, whatever its settings type. */
export interface EventRunner {
  readonly responses: unknown[]
  onEvent(event: SegmentEvent, settings: JSONObject): Promise<unknown[]>
  onBatch(events: SegmentEvent[], settings: JSONObject): Promise<unknown[]>
}

/**
 * One event through `onEvent`, then the responses actions-core keeps on the instance are dropped, as a
 * long-lived server must do; a failed event fails the benchmark rather than timing an error path.
 */
export async function runEvent(destination: EventRunner, event: SegmentEvent, settings: JSONObject) {
  try {
    const results = await destination.onEvent(event, settings)
    for (const result of results) {
      const error = (result as { error?: unknown }).error
      if (error) throw new Error(JSON.stringify(error))
    }
    return results
  } finally {
    destination.responses.length = 0
  }
}

export { definition }
