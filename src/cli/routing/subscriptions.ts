import { defaultValues, isObject } from '@segment/actions-core'
import type { JSONObject, Subscription } from '@segment/actions-core'
import { hasAction } from '../lib/definition'
import type { AnyDefinition } from '../lib/definition'
import { fqlProblem } from '../lib/fql'
import { readJson } from '../lib/io'

/** The subscriptions Segment creates for a new instance of the destination: its automatic presets. */
export function presetSubscriptions(definition: Pick<AnyDefinition, 'presets'>): Subscription[] {
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

/** Why one entry of a subscriptions file cannot run, or the subscription it is, with the action's defaults. */
function subscriptionOf(entry: unknown, at: string, definition: AnyDefinition): Subscription | string {
  if (!isObject(entry)) return `${at} is not an object`
  const { name, partnerAction, subscribe, mapping } = entry
  if (typeof partnerAction !== 'string' || !hasAction(definition, partnerAction)) {
    const known = Object.keys(definition.actions).join(', ')
    return `${at}.partnerAction ${JSON.stringify(partnerAction)} is not an action (${known})`
  }
  if (typeof subscribe !== 'string') return `${at}.subscribe is missing`
  if (mapping !== undefined && !isObject(mapping)) return `${at}.mapping is not an object`
  const problem = fqlProblem(subscribe)
  if (problem) return `${at}.subscribe ${problem}`
  // As Segment's editor does, a field the mapping leaves out takes the action's default.
  const full = { ...defaultValues(definition.actions[partnerAction].fields), ...(mapping as JSONObject) }
  return { name: typeof name === 'string' ? name : partnerAction, partnerAction, subscribe, mapping: full }
}

/** Why a file holds no subscriptions to run here, naming migrate's other outputs. */
function notSubscriptions(json: unknown): string {
  if (isObject(json) && isObject(json.device)) {
    return 'it holds device-mode subscriptions only (migrate --mode device), which run in the page: migrate with --mode cloud or both for subscriptions to run here'
  }
  if (isObject(json) && Array.isArray(json.destinations)) {
    return "it is migrate's --format public-api output, for Segment's Public API: run migrate without --format for subscriptions to run here"
  }
  return 'expected { "subscriptions": [...] }, as migrate prints it'
}

/**
 * Reads subscriptions from a file in the shape `migrate` prints (`{ settings, subscriptions, … }`: the cloud-mode
 * ones; `device` is for the page), or a bare list of them, and refuses the file unless every subscription can run.
 */
export function readSubscriptions(file: string, definition: AnyDefinition): Subscription[] {
  const json = readJson(file)
  const list = isObject(json) ? json.subscriptions : json
  if (!Array.isArray(list)) throw new Error(`${file}: ${notSubscriptions(json)}`)
  const read = list.map((entry: unknown, index) =>
    subscriptionOf(entry, `${file}: subscriptions[${index}]`, definition)
  )
  const problems = read.filter((item): item is string => typeof item === 'string')
  if (problems.length > 0) throw new Error(problems.join('\n'))
  return read.filter((item): item is Subscription => typeof item !== 'string')
}
