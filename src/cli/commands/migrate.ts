import type { Command } from 'commander'
import { defaultValues, isObject } from '@segment/actions-core'
import type { Subscription } from '@segment/actions-core'
import { parseFql, validate as matches } from '@segment/destination-subscriptions'
import { loadServerDestination } from '../destinations'
import type { ServerDestination } from '../destinations'
import { settingsOf } from '../lib/definition'
import type { Fields } from '../lib/definition'
import { fqlProblem, fqlString } from '../lib/fql'
import { readJson } from '../lib/io'
import { presetSubscriptions } from '../routing/subscriptions'

export interface Migration {
  settings: Record<string, unknown>
  subscriptions: Subscription[]
  warnings: string[]
}

/** The classic `events` text-map, stored by Segment as an object or as a list of `{ key, value }`. */
function eventEntries(events: unknown, warnings: string[]): [string, unknown][] {
  if (events === undefined || events === null) return []
  if (isObject(events)) return Object.entries(events)
  if (Array.isArray(events)) {
    return events.flatMap((entry, index) => {
      if (isObject(entry) && typeof entry.key === 'string') return [[entry.key, entry.value] as [string, unknown]]
      warnings.push(`events[${index}] is not a { key, value } pair: not carried over`)
      return []
    })
  }
  warnings.push('events is neither an object nor a list of { key, value }: not carried over')
  return []
}

/** The Actions settings: the classic keys carry over by name, each checked as the destination will check it. */
function migrateSettings(
  classic: Record<string, unknown>,
  fields: Fields,
  { parseDomain }: ServerDestination['rules'],
  warnings: string[]
): Record<string, unknown> {
  const settings: Record<string, unknown> = {}
  for (const key of Object.keys(fields)) {
    if (classic[key] !== undefined) settings[key] = classic[key]
  }
  if (typeof settings.hybridAttributionModel === 'string') {
    settings.hybridAttributionModel = settings.hybridAttributionModel === 'true'
    warnings.push(
      `hybridAttributionModel was the string "${String(classic.hybridAttributionModel)}": read as ${
        settings.hybridAttributionModel
      }`
    )
  }
  for (const [key, field] of Object.entries(fields)) {
    const missing = settings[key] === undefined || settings[key] === ''
    if (field.required === true && missing) warnings.push(`${key} is missing: set it before enabling`)
  }
  if (typeof settings.domain === 'string' && settings.domain !== '') {
    try {
      settings.domain = new URL(parseDomain(settings.domain)).host
    } catch (error) {
      warnings.push(`domain ${JSON.stringify(settings.domain)} will be refused: ${(error as Error).message}`)
    }
  }
  for (const key of Object.keys(classic)) {
    if (!(key in fields) && key !== 'events') warnings.push(`${key} has no Actions equivalent: not carried over`)
  }
  return settings
}

/** One trackEvent subscription per mapped event, or a warning saying why an entry is not carried over. */
function eventSubscriptions(
  entries: [string, unknown][],
  trackDefaults: Record<string, unknown>,
  otherPresets: Subscription[],
  warnings: string[]
): Subscription[] {
  const subscriptions: Subscription[] = []
  const seen = new Set<string>()
  for (const [event, type] of entries) {
    const literal = fqlString(event)
    // Another action's preset that already takes this track event (e.g. Order Completed).
    const own = otherPresets.find((p) => matches(parseFql(p.subscribe), { type: 'track', event }))
    if (typeof type !== 'string' || type.trim() === '') {
      warnings.push(`event "${event}" maps to no Convertro event type: skipped`)
    } else if (event.trim() === '') {
      warnings.push(`event ${JSON.stringify(event)} has no name, so no subscription can take it: skipped`)
    } else if (!literal) {
      warnings.push(`event ${JSON.stringify(event)} cannot be named in a subscription (FQL has no escapes): skipped`)
    } else if (seen.has(event)) {
      warnings.push(`event "${event}" is mapped twice: kept the first mapping`)
    } else if (own) {
      warnings.push(`event "${event}" goes to the "${own.name}" action: its mapping to "${type}" is not carried over`)
    } else {
      seen.add(event)
      const subscribe = `type = "track" and event = ${literal}`
      const problem = fqlProblem(subscribe)
      if (problem) warnings.push(`event "${event}": the subscription ${problem}: skipped`)
      else
        subscriptions.push({
          name: `${event} → ${type}`,
          partnerAction: 'trackEvent',
          subscribe,
          mapping: { ...trackDefaults, event_type: type }
        })
    }
  }
  return subscriptions
}

/**
 * Converts the classic Convertro destination's settings into Actions settings and subscriptions: one
 * trackEvent subscription per mapped event, and the presets of the other actions.
 */
export function migrate(classic: unknown, { definition, rules }: ServerDestination): Migration {
  const warnings: string[] = []
  if (!isObject(classic)) throw new Error('Classic settings must be a JSON object')
  const settings = migrateSettings(classic, settingsOf(definition), rules, warnings)

  // The classic `events` map replaces trackEvent's preset; the other actions' presets carry over as they are.
  const otherPresets = presetSubscriptions(definition).filter((p) => p.partnerAction !== 'trackEvent')
  const trackDefaults = defaultValues(definition.actions.trackEvent.fields)
  const subscriptions = eventSubscriptions(
    eventEntries(classic.events, warnings),
    trackDefaults,
    otherPresets,
    warnings
  )
  if (subscriptions.length === 0) {
    warnings.push('no event is mapped: track events other than orders and installs will not be sent, as before')
  }
  for (const { name = '', partnerAction, subscribe, mapping } of otherPresets) {
    subscriptions.push({ name, partnerAction, subscribe, mapping: { ...mapping } })
  }
  return { settings, subscriptions, warnings }
}

export function configure(command: Command): void {
  command
    .argument('<classic-settings.json>', 'the classic destination’s settings as JSON')
    .action(async (file: string) => {
      const result = migrate(readJson(file), await loadServerDestination())
      for (const warning of result.warnings) console.error(`warning: ${warning}`)
      console.log(JSON.stringify(result, null, 2))
    })
}
