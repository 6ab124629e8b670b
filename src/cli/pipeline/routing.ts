import { Destination, defaultValues, isObject } from '@segment/actions-core'
import type { DestinationDefinition, JSONObject, SegmentEvent, Subscription } from '@segment/actions-core'
import { describeError, summarize, type ErrorOutput, type Exchange } from '../lib/exchanges'
import { fqlProblem } from '../lib/fql'
import { readJson } from '../lib/io'
import { hasAction } from '../lib/run'

type Definition = DestinationDefinition<JSONObject>

/** The destination's name in a Segment event's Integrations object. */
export const INTEGRATION_NAME = 'Convertro'

/** Where events go: the destination's settings and the subscriptions that pick their actions. */
export interface Routing {
  settings: JSONObject
  subscriptions: Subscription[]
}

/** What one subscription did with an event. */
export interface SubscriptionOutcome {
  name: string
  partnerAction: string
  /** False when the subscription's query did not match the event: nothing was run. */
  matched: boolean
  exchanges: Exchange[]
  error?: ErrorOutput
}

/** The subscriptions Segment creates for a new instance of the destination: its automatic presets. */
export function presetSubscriptions(definition: Definition): Subscription[] {
  return (definition.presets ?? []).flatMap((preset) =>
    preset.type === 'automatic'
      ? [
          {
            name: preset.name,
            partnerAction: preset.partnerAction,
            subscribe: preset.subscribe,
            mapping: preset.mapping
          }
        ]
      : []
  )
}

/**
 * Reads subscriptions from a file in the shape `migrate` prints (`{ settings, subscriptions, warnings }`),
 * or a bare list of them, and refuses the file unless every subscription can run. Fields a mapping leaves
 * out take the action's defaults.
 */
export function readSubscriptions(file: string, definition: Definition): Subscription[] {
  const json = readJson(file)
  const list = isObject(json) ? json.subscriptions : json
  if (!Array.isArray(list)) throw new Error(`${file}: expected { "subscriptions": [...] }, as migrate prints it`)
  const problems: string[] = []
  const subscriptions = list.flatMap((entry: unknown, index): Subscription[] => {
    const at = `${file}: subscriptions[${index}]`
    if (!isObject(entry)) return (problems.push(`${at} is not an object`), [])
    const { name, partnerAction, subscribe, mapping } = entry
    if (typeof partnerAction !== 'string' || !hasAction(definition, partnerAction)) {
      const known = Object.keys(definition.actions).join(', ')
      problems.push(`${at}.partnerAction ${JSON.stringify(partnerAction)} is not an action (${known})`)
    } else if (typeof subscribe !== 'string') {
      problems.push(`${at}.subscribe is missing`)
    } else if (mapping !== undefined && !isObject(mapping)) {
      problems.push(`${at}.mapping is not an object`)
    } else {
      const problem = fqlProblem(subscribe)
      if (problem) {
        problems.push(`${at}.subscribe ${problem}`)
      } else {
        // As Segment's editor does, a field the mapping leaves out takes the action's default.
        const full = { ...defaultValues(definition.actions[partnerAction].fields), ...(mapping as JSONObject) }
        return [{ name: typeof name === 'string' ? name : partnerAction, partnerAction, subscribe, mapping: full }]
      }
    }
    return []
  })
  if (problems.length > 0) throw new Error(problems.join('\n'))
  return subscriptions
}

/** Reads Actions settings; `migrate`'s whole output is taken too, for its `settings`. */
export function readSettings(file: string): JSONObject {
  const json = readJson(file)
  const settings = isObject(json) && isObject(json.settings) && Array.isArray(json.subscriptions) ? json.settings : json
  if (!isObject(settings)) throw new Error(`${file}: expected the destination's settings as a JSON object`)
  return settings as JSONObject
}

/** The settings with `fallback` as their domain when they name none: the local collector, in this tool. */
export function withDomain(settings: JSONObject, fallback: string | undefined): JSONObject {
  const missing = settings.domain === undefined || settings.domain === null || settings.domain === ''
  return missing && fallback ? { ...settings, domain: fallback } : settings
}

/**
 * Checks settings as the destination itself does before it runs anything, so bad settings stop a run at the
 * start with the setting named, instead of failing every event.
 */
export async function checkSettings(definition: Definition, settings: JSONObject): Promise<void> {
  try {
    await new Destination(definition).testAuthentication(settings)
  } catch (error) {
    // actions-core prefixes its own words to the destination's message; collapse the space they leave.
    throw new Error(`Invalid settings: ${(error as Error).message.replace(/\s+/g, ' ')}`)
  }
}

/**
 * Why the Integrations object keeps the event from this destination, as customers use it: `Convertro: false`
 * turns it off, and `All: false` turns it off unless `Convertro` is `true` or an object of options.
 */
export function skipReason(event: SegmentEvent): string | undefined {
  const integrations = event.integrations
  if (!isObject(integrations)) return undefined
  const own = integrations[INTEGRATION_NAME]
  if (own === false) return `integrations.${INTEGRATION_NAME} is false`
  if (integrations.All === false && own !== true && !isObject(own)) {
    return `integrations.All is false and integrations.${INTEGRATION_NAME} is not enabled`
  }
  return undefined
}

/** Segment's runtime hands a destination its subscriptions inside the settings. */
export function withSubscriptions(settings: JSONObject, subscriptions: Subscription[]): JSONObject {
  return { ...settings, subscriptions: subscriptions as unknown as JSONObject[] }
}

/**
 * Runs an event through each subscription with `Destination.onEvent`, as Segment's runtime does. Each
 * subscription runs on a Destination of its own, so one failing never hides what the others sent and each
 * can be retried alone.
 */
export function routeEvent(
  definition: Definition,
  event: SegmentEvent,
  settings: JSONObject,
  subscriptions: Subscription[]
): Promise<SubscriptionOutcome[]> {
  return Promise.all(
    subscriptions.map(async (subscription) => {
      const destination = new Destination(definition)
      const outcome = {
        name: subscription.name ?? subscription.partnerAction,
        partnerAction: subscription.partnerAction
      }
      try {
        const results = await destination.onEvent(event, withSubscriptions(settings, [subscription]))
        const matched = !results.some((result) => result.output === 'not subscribed')
        return { ...outcome, matched, exchanges: await summarize(destination.responses) }
      } catch (error) {
        return {
          ...outcome,
          matched: true,
          exchanges: await summarize(destination.responses),
          error: describeError(error)
        }
      }
    })
  )
}
