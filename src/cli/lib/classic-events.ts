import toNoCase from 'to-no-case'
import { isObject } from '@segment/actions-core'
import { fqlString } from './fql'

/**
 * The classic Convertro destination's `events` setting, read as analytics.js read it: for a track event it sent
 * one `trackEvent` per Convertro name mapped to that event, comparing event names with `to-no-case` (so `Signed
 * Up`, `signed_up` and `signedUp` are one event), and never for an order-completed event, which it sent as sales.
 */

/** The Segment event names (as spelt in the map) that are one event to the classic destination, and its names. */
export interface EventMapping {
  events: string[]
  types: string[]
}

/** analytics.js's order-completed test (analytics-events): such events never went through the events map. */
const ORDER_COMPLETED = /^[ _]?completed[ _]?order[ _]?|^[ _]?order[ _]?completed[ _]?$/i

export const isOrderCompleted = (event: string): boolean => ORDER_COMPLETED.test(event)

/** A malformed `events` setting: nothing of it can be carried over with confidence. */
export class EventsMapError extends Error {}

const kind = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`)

/** The map's entries, from each form Segment stores it in: an object, a list of { key, value }, or of names. */
export function eventEntries(events: unknown, warnings: string[]): [unknown, unknown][] {
  if (isObject(events)) return Object.entries(events)
  if (!Array.isArray(events)) {
    throw new EventsMapError(
      `events must be a map of Segment event names to Convertro event names, as an object { "Signed Up": "signup" } or a list of { "key": "Signed Up", "value": "signup" }; it is ${kind(
        events
      )}`
    )
  }
  // A list of names sent each event under its own name.
  if (events.length > 0 && events.every((entry) => typeof entry === 'string')) {
    return events.map((name: string) => [name, name])
  }
  return events.flatMap((entry: unknown, index) => {
    if (isObject(entry) && 'key' in entry) return [[entry.key, entry.value] as [unknown, unknown]]
    warnings.push(`events[${index}] is not a { key, value } pair: not carried over`)
    return []
  })
}

/** Why an entry cannot become a subscription, or undefined when it can. */
function entryProblem(event: unknown, type: unknown): string | undefined {
  if (typeof event !== 'string' || event.trim() === '') {
    return `events has an entry with no Segment event name (${JSON.stringify(event ?? null)} → ${JSON.stringify(
      type ?? null
    )}): skipped`
  }
  if (typeof type !== 'string' || type.trim() === '') return `event "${event}" maps to no Convertro event type: skipped`
  if (event === 'Order Completed') {
    return `event "${event}" goes to the "Order Completed" action: its mapping to "${type}" is not carried over`
  }
  if (isOrderCompleted(event)) {
    return `event "${event}" was an order to the classic destination, sent as a sale and not through events: its mapping to "${type}" is not carried over (the "Order Completed" subscription takes "Order Completed" only)`
  }
  if (!fqlString(event)) {
    return `event ${JSON.stringify(event)} cannot be named in a subscription (FQL has no escapes): skipped`
  }
  return undefined
}

/**
 * The map's usable entries grouped as the classic destination matched them: one group per event (its spellings
 * in the map), with every Convertro name it was sent under, in the map's order, each once.
 */
export function eventMappings(entries: [unknown, unknown][], warnings: string[]): EventMapping[] {
  const groups = new Map<string, EventMapping>()
  for (const [event, type] of entries) {
    const problem = entryProblem(event, type)
    if (problem) {
      warnings.push(problem)
      continue
    }
    const [name, convertro] = [event as string, type as string]
    const group = groups.get(toNoCase(name)) ?? { events: [], types: [] }
    groups.set(toNoCase(name), group)
    if (!group.events.includes(name)) group.events.push(name)
    if (group.types.includes(convertro)) {
      warnings.push(`event "${name}" is mapped to "${convertro}" twice: one subscription`)
    } else group.types.push(convertro)
  }
  for (const { events } of groups.values()) {
    if (events.length > 1) {
      const names = events.map((event) => `"${event}"`).join(', ')
      warnings.push(
        `events ${names} are one event to the classic destination (it ignored case and separators): their subscriptions take each spelling`
      )
    }
  }
  return [...groups.values()]
}
