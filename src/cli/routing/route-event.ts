import { Destination, isObject } from '@segment/actions-core'
import type { JSONObject, SegmentEvent, Subscription } from '@segment/actions-core'
import type { Definition } from '../lib/definition'
import { describeError, summarize } from '../lib/exchanges'
import type { ErrorOutput, Exchange } from '../lib/exchanges'

/** The destination's name in a Segment event's Integrations object. */
export const INTEGRATION_NAME = 'Convertro'

/** What one subscription did with an event. */
export interface SubscriptionOutcome {
  name: string
  partnerAction: string
  /** False when the subscription's query did not match the event: nothing was run. */
  matched: boolean
  exchanges: Exchange[]
  error?: ErrorOutput
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
