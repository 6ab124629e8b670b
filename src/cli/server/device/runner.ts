/**
 * The tester page's device mode, bundled for the browser by serve: it runs the browser destination through
 * @segment/browser-destination-runtime's plugins, as analytics.js runs them, and reports the `$CVO` commands the
 * live.js stand-in (served by serve) recorded. The event reaches the plugins as analytics.js hands events to them,
 * an analytics-next Context, but exactly as written in the page, so cloud and device mode see the same event.
 */
import { Analytics, Context } from '@segment/analytics-next'
import type { SegmentEvent } from '@segment/analytics-next'
import { defaultValues, transform } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import { generatePlugins } from '@segment/browser-destination-runtime/plugin'
import type { BrowserDestinationDefinition } from '@segment/browser-destination-runtime/types'
import { destination } from '../../../browser-destinations/convertro-web'
import { LIVE_JS_ORIGIN } from '../../../browser-destinations/convertro-web/constants'
import { describeError } from '../../lib/exchanges'
import type { ErrorOutput } from '../../lib/exchanges'

/** The live.js stand-in, on the server that served the page. */
const STAND_IN = new URL('device/live.js', document.baseURI).href

/** The calls analytics.js hands to a destination's plugins. */
const EVENT_TYPES = ['track', 'identify', 'page', 'group', 'alias'] as const
type EventType = typeof EVENT_TYPES[number]

export interface DeviceRun {
  action: string
  event: JSONObject
  settings: JSONObject
  mapping: JSONObject
}

export interface DeviceOutcome {
  /** Every command pushed to `$CVO`, in order, as live.js received it. */
  commands: unknown[]
  error?: ErrorOutput
  /** Why nothing was pushed, when the action ran without error and pushed nothing. */
  nothingPushed?: string
}

type Command = [string, unknown]

declare global {
  interface Window {
    convertroReceived?: Command[]
    convertroDevice?: { definition: unknown; run: (input: DeviceRun) => Promise<DeviceOutcome> }
  }
}

/** The destination as it is, but loading the stand-in wherever it would load Convertro's live.js. */
const definition: BrowserDestinationDefinition = {
  ...(destination as unknown as BrowserDestinationDefinition),
  initialize: (options, deps) =>
    destination.initialize(options as Parameters<typeof destination.initialize>[0], {
      ...deps,
      loadScript: (src, attributes) => deps.loadScript(src.startsWith(LIVE_JS_ORIGIN) ? STAND_IN : src, attributes)
    })
}

/** analytics.js as the plugins get it: nothing kept in cookies or storage, nothing sent to Segment. */
const analytics = new Analytics({ writeKey: 'convertro-tester' }, { disableClientPersistence: true })

function eventType(event: JSONObject): EventType {
  const type = EVENT_TYPES.find((known) => known === event.type)
  if (!type) throw new Error(`The event's type must be one of ${EVENT_TYPES.join(', ')}: analytics.js sends no other.`)
  return type
}

/** The fields left empty by the mapping, those the destination says push nothing without them first. */
function whyNothing(action: string, mapping: JSONObject, event: JSONObject): string {
  const payload = transform(mapping, event)
  const empty = Object.entries(destination.actions[action].fields).filter(([key]) =>
    [undefined, null, ''].includes(payload[key] as never)
  )
  const decisive = empty.filter(([, field]) => /nothing is pushed/i.test(field.description))
  const named = (decisive.length ? decisive : empty).map(
    ([, field]) => `${field.label} is empty for this event. ${field.description}`
  )
  return named.join(' ') || 'the action ran without error and pushed no command.'
}

/** Runs one event through one action, subscribed to the event's own type, and reports what reached `$CVO`. */
async function run({ action, event, settings, mapping }: DeviceRun): Promise<DeviceOutcome> {
  const before = window.convertroReceived?.length ?? 0
  try {
    const type = eventType(event)
    const subscription = { name: action, partnerAction: action, subscribe: `type = "${type}"`, enabled: true, mapping }
    const plugins = generatePlugins(definition, settings, [subscription])
    if (!plugins.length) throw new Error(`${destination.name} (device mode) has no action "${action}".`)
    const ctx = new Context(event as unknown as SegmentEvent)
    await plugins[0].load(ctx, analytics)
    await plugins[0][type]?.(ctx)
  } catch (error) {
    return { commands: received(before), error: describeError(error) }
  }
  const commands = received(before)
  return commands.length ? { commands } : { commands, nothingPushed: whyNothing(action, mapping, event) }
}

const received = (from: number): Command[] => (window.convertroReceived ?? []).slice(from)

/** What the page shows of the destination: its actions, their fields and defaults, and its presets. */
const described = {
  name: destination.name,
  mode: destination.mode,
  actions: destination.actions,
  // Each action's mapping by default, as the server's /samples gives the cloud actions'.
  defaults: Object.fromEntries(
    Object.entries(destination.actions).map(([key, action]) => [key, defaultValues(action.fields)])
  ),
  presets: destination.presets ?? []
}

window.convertroDevice = { definition: JSON.parse(JSON.stringify(described)), run }
