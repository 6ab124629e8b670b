import { Option } from 'commander'
import type { Command } from 'commander'
import { defaultValues, isObject } from '@segment/actions-core'
import type { Subscription } from '@segment/actions-core'
import { parseFql, validate as matches } from '@segment/destination-subscriptions'
import { BROWSER_DESTINATION_DIR, loadDefinition, loadServerDestination } from '../destinations'
import type { DestinationRules } from '../destinations'
import { eventEntries, eventMappings } from '../lib/classic-events'
import type { EventMapping } from '../lib/classic-events'
import { settingsOf } from '../lib/definition'
import type { AnyDefinition } from '../lib/definition'
import { fqlProblem } from '../lib/fql'
import { readJson } from '../lib/io'
import { presetSubscriptions } from '../routing/subscriptions'

export type Mode = 'cloud' | 'device'

/** What the classic destination becomes in one Actions destination: the cloud-mode one, or the device-mode one. */
export interface DestinationMigration {
  mode: Mode
  slug: string
  settings: Record<string, unknown>
  subscriptions: Subscription[]
}

export interface Migration {
  destinations: DestinationMigration[]
  /** Every classic setting, and where it went or why nowhere. */
  classicSettings: Record<string, string>
  warnings: string[]
}

/** The Actions destinations migrate writes for: the server one with the rules it checks settings by, the browser one. */
export interface Targets {
  cloud: { definition: AnyDefinition; rules: DestinationRules }
  device: { definition: AnyDefinition }
}

/** Classic values as Actions takes them: the hybrid model was sometimes stored as the text "true" or "false". */
function classicValues(classic: Record<string, unknown>, warnings: string[]): Record<string, unknown> {
  const values = { ...classic }
  if (typeof values.hybridAttributionModel === 'string') {
    values.hybridAttributionModel = values.hybridAttributionModel === 'true'
    const read = String(values.hybridAttributionModel)
    warnings.push(`hybridAttributionModel was the string "${String(classic.hybridAttributionModel)}": read as ${read}`)
  }
  return values
}

/** One destination's settings: the classic keys it has carry over by name, each checked as it will check them. */
function destinationSettings(
  values: Record<string, unknown>,
  mode: Mode,
  targets: Targets,
  warn: (message: string) => void
): Record<string, unknown> {
  const fields = settingsOf(targets[mode].definition)
  const settings: Record<string, unknown> = {}
  for (const key of Object.keys(fields)) {
    if (values[key] !== undefined) settings[key] = values[key]
  }
  for (const [key, field] of Object.entries(fields)) {
    const missing = settings[key] === undefined || settings[key] === ''
    if (field.required === true && missing) warn(`${key} is missing: set it before enabling`)
  }
  if (mode === 'cloud' && typeof settings.domain === 'string' && settings.domain !== '') {
    try {
      settings.domain = new URL(targets.cloud.rules.parseDomain(settings.domain)).host
    } catch (error) {
      warn(`domain ${JSON.stringify(settings.domain)} will be refused: ${(error as Error).message}`)
    }
  }
  return settings
}

/** The trigger for one classic event: each spelling the map has for it. */
function trackTrigger(events: string[]): string {
  const names = events.map((event) => `event = "${event}"`)
  return `type = "track" and ${names.length === 1 ? names[0] : `(${names.join(' or ')})`}`
}

/** One trackEvent subscription per (event, Convertro name), then the presets of the destination's other actions. */
function destinationSubscriptions(
  mappings: EventMapping[],
  definition: AnyDefinition,
  warn: (message: string) => void
): Subscription[] {
  // The classic events map replaces trackEvent's preset; the other actions' presets carry over as they are.
  const others = presetSubscriptions(definition).filter((preset) => preset.partnerAction !== 'trackEvent')
  const trackDefaults = defaultValues(definition.actions.trackEvent.fields)
  const subscriptions: Subscription[] = []
  for (const { events, types } of mappings) {
    const own = others.find((p) => events.some((event) => matches(parseFql(p.subscribe), { type: 'track', event })))
    const trigger = trackTrigger(events)
    const problem = fqlProblem(trigger)
    const mapped = types.map((type) => `"${type}"`).join(', ')
    if (own) warn(`event "${events[0]}" goes to the "${own.name}" action: its mapping to ${mapped} is not carried over`)
    else if (problem) warn(`event "${events[0]}": the subscription ${problem}: skipped`)
    else {
      for (const type of types) {
        const name = `${events.join(' / ')} → ${type}`
        subscriptions.push({
          name,
          partnerAction: 'trackEvent',
          subscribe: trigger,
          mapping: { ...trackDefaults, event_type: type }
        })
      }
    }
  }
  const copies = others.map(({ name = '', partnerAction, subscribe, mapping }) => ({
    name,
    partnerAction,
    subscribe,
    mapping: { ...mapping }
  }))
  return [...subscriptions, ...copies]
}

/** The classic events map as event groups, with a warning when it yields no trackEvent subscription at all. */
function classicMappings(events: unknown, warnings: string[]): EventMapping[] {
  const unset = events === undefined || events === null
  const entries = unset ? [] : eventEntries(events, warnings)
  const mappings = eventMappings(entries, warnings)
  const none = 'no trackEvent subscription: as before, track events other than orders and installs are not sent'
  if (unset) warnings.push(`events is not set: ${none}`)
  else if (entries.length === 0) warnings.push(`events is empty: ${none}`)
  else if (mappings.length === 0) warnings.push(`no entry of events could be carried over: ${none}`)
  return mappings
}

/** A setting of either Actions destination. */
const isSetting = (key: string, targets: Targets) =>
  (['cloud', 'device'] as const).filter((mode) => key in settingsOf(targets[mode].definition))

/** Where one classic setting went, or why nowhere. */
function accountFor(key: string, destinations: DestinationMigration[], targets: Targets): string {
  if (key === 'events') {
    const counts = destinations.map(({ mode, subscriptions }) => {
      const track = subscriptions.filter((s) => s.partnerAction === 'trackEvent').length
      return `${track} in ${mode} mode`
    })
    return `trackEvent subscriptions, one per event and Convertro name: ${counts.join(', ')}`
  }
  const named = (modes: Mode[]) => modes.map((mode) => `${mode}-mode`).join(' and ')
  const into = destinations.filter(({ settings }) => key in settings).map(({ mode }) => mode)
  if (into.length > 0) return `settings.${key} of the ${named(into)} destination${into.length > 1 ? 's' : ''}`
  const elsewhere = isSetting(key, targets)
  if (elsewhere.length > 0) return `a setting of the ${named(elsewhere)} destination, which was not migrated`
  return 'no Actions equivalent: not carried over'
}

/**
 * Converts the classic Convertro destination's settings into Actions settings and subscriptions for each mode
 * asked for: one trackEvent subscription per (event, Convertro name) of the classic events map, and the presets
 * of the other actions. Warnings come in the order a person fixes things: settings, then events.
 */
export function migrate(classic: unknown, targets: Targets, modes: Mode[] = ['cloud']): Migration {
  if (!isObject(classic)) throw new Error('Classic settings must be a JSON object')
  const warnings: string[] = []
  const warner = (mode: Mode) => (message: string) =>
    warnings.push(modes.length > 1 ? `${mode} mode: ${message}` : message)
  const values = classicValues(classic, warnings)
  const settings = modes.map((mode) => destinationSettings(values, mode, targets, warner(mode)))
  for (const key of Object.keys(classic)) {
    if (key !== 'events' && isSetting(key, targets).length === 0) {
      warnings.push(`${key} has no Actions equivalent: not carried over`)
    }
  }
  const mappings = classicMappings(classic.events, warnings)
  const destinations = modes.map((mode, index) => {
    const { definition } = targets[mode]
    const subscriptions = destinationSubscriptions(mappings, definition, warner(mode))
    return { mode, slug: definition.slug ?? definition.name, settings: settings[index], subscriptions }
  })
  const classicSettings = Object.fromEntries(
    Object.keys(classic).map((key) => [key, accountFor(key, destinations, targets)])
  )
  return { destinations, classicSettings, warnings }
}

/**
 * The default output: the cloud-mode destination's settings and subscriptions at the top, as `serve` and `replay`
 * read them (`--subscriptions`), and the device-mode one's under `device`.
 */
export function subscriptionsFile({ destinations, classicSettings, warnings }: Migration) {
  const cloud = destinations.find((d) => d.mode === 'cloud')
  const device = destinations.find((d) => d.mode === 'device')
  return {
    ...(cloud && { settings: cloud.settings, subscriptions: cloud.subscriptions }),
    ...(device && { device: { settings: device.settings, subscriptions: device.subscriptions } }),
    classicSettings,
    warnings
  }
}

/** The placeholder for an action's id, which only the workspace knows (docs/migrate.md shows how to look it up). */
export const actionIdPlaceholder = (action: string) => `<actionId of ${action}>`

/**
 * `--format public-api`: per destination, the body of Segment's Public API's "Create Destination Subscription"
 * (POST /destinations/{destinationId}/subscriptions) for each subscription, with the action it is for.
 */
export function publicApiFile({ destinations, classicSettings, warnings }: Migration) {
  return {
    destinations: destinations.map(({ mode, slug, settings, subscriptions }) => ({
      mode,
      slug,
      settings,
      subscriptions: subscriptions.map(({ name = '', partnerAction, subscribe, mapping }) => ({
        action: partnerAction,
        body: {
          name,
          actionId: actionIdPlaceholder(partnerAction),
          trigger: subscribe,
          enabled: true,
          settings: mapping
        }
      }))
    })),
    classicSettings,
    warnings
  }
}

interface MigrateFlags {
  mode: 'cloud' | 'device' | 'both'
  format: 'subscriptions' | 'public-api'
}

async function loadTargets(): Promise<Targets> {
  const { definition, rules } = await loadServerDestination()
  return { cloud: { definition, rules }, device: { definition: await loadDefinition(BROWSER_DESTINATION_DIR) } }
}

export function configure(command: Command): void {
  command
    .argument('<classic-settings.json>', 'the classic destination’s settings as JSON')
    .addOption(
      new Option('--mode <mode>', 'which Actions destination to write for: cloud, device (the browser one) or both')
        .choices(['cloud', 'device', 'both'])
        .default('cloud')
    )
    .addOption(
      new Option('--format <format>', 'subscriptions: as serve and replay read them; public-api: Public API bodies')
        .choices(['subscriptions', 'public-api'])
        .default('subscriptions')
    )
    .action(async (file: string, flags: MigrateFlags) => {
      const modes: Mode[] = flags.mode === 'both' ? ['cloud', 'device'] : [flags.mode]
      const classic = readJson(file)
      let result: Migration
      try {
        result = migrate(classic, await loadTargets(), modes)
      } catch (error) {
        throw new Error(`${file}: ${(error as Error).message}`)
      }
      for (const warning of result.warnings) console.error(`warning: ${warning}`)
      const output = flags.format === 'public-api' ? publicApiFile(result) : subscriptionsFile(result)
      console.log(JSON.stringify(output, null, 2))
    })
}
