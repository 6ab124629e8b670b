import path from 'path'
import { defaultValues } from '@segment/actions-core'
import validateMapping from '@segment/actions-core/mapping-kit/validate'
import { ROOT, destinationDirs, loadDefinition, settingsOf, type AnyDefinition } from './destinations'
import { fqlProblem } from './fql'
import { staleTypes } from './types'

export interface Finding {
  level: 'error' | 'warning'
  destination: string
  message: string
}

export interface Validation {
  destinations: number
  actions: number
  presets: number
  errors: Finding[]
  warnings: Finding[]
}

/** A mapping's invalid directives, one message each (actions-core throws them together, as an iterable). */
function mappingProblems(mapping: unknown): string[] {
  try {
    validateMapping(mapping)
    return []
  } catch (error) {
    const errors = Symbol.iterator in Object(error) ? [...(error as Iterable<unknown>)] : [error]
    return errors.map((e) => (e instanceof Error ? e.message : String(e)))
  }
}

/** What Segment's `validate` checks, and a little more: each problem of one definition. */
function check(definition: AnyDefinition): Omit<Finding, 'destination'>[] {
  const findings: Omit<Finding, 'destination'>[] = []
  const error = (message: string) => findings.push({ level: 'error', message })
  const warning = (message: string) => findings.push({ level: 'warning', message })
  const actions = Object.entries(definition.actions)

  if (actions.length === 0) error('defines no actions')
  for (const [key, action] of actions) {
    if (!action.description) error(`action "${key}" has no description`)
    if (action.defaultSubscription) {
      const problem = fqlProblem(action.defaultSubscription)
      if (problem) error(`action "${key}" has a defaultSubscription that ${problem}`)
    }
    for (const [fieldKey, field] of Object.entries(action.fields)) {
      if (!field.description) warning(`action "${key}" field "${fieldKey}" has no description`)
    }
    for (const problem of mappingProblems(defaultValues(action.fields))) {
      error(`action "${key}" has an invalid field default: ${problem}`)
    }
  }

  for (const preset of definition.presets ?? []) {
    const action = definition.actions[preset.partnerAction]
    if (!action) {
      error(`preset "${preset.name}" names action "${preset.partnerAction}", which does not exist`)
      continue
    }
    if (preset.type === 'automatic') {
      const problem = fqlProblem(preset.subscribe)
      if (problem) error(`preset "${preset.name}" has a subscription that ${problem}`)
    }
    for (const field of Object.keys(preset.mapping ?? {})) {
      if (!(field in action.fields))
        error(`preset "${preset.name}" maps "${field}", which action "${preset.partnerAction}" lacks`)
    }
    for (const problem of mappingProblems(preset.mapping ?? {})) {
      error(`preset "${preset.name}" has an invalid mapping: ${problem}`)
    }
  }

  const settings = Object.entries(settingsOf(definition))
  if (definition.mode === 'cloud' && !definition.authentication) error('declares no authentication (settings)')
  if (settings.length > 0 && !settings.some(([, field]) => field.required)) warning('declares no required setting')
  for (const [name, field] of settings) {
    if (!field.label) error(`setting "${name}" has no label`)
    if (!field.description) error(`setting "${name}" has no description`)
    if ((field.type === 'boolean' || field.type === 'number') && field.default !== undefined) {
      if (typeof field.default !== field.type)
        error(`setting "${name}" is a ${field.type} with a ${typeof field.default} default`)
    }
  }
  return findings
}

/** Validates every destination of the project, generated types included. */
export async function validateProject(): Promise<Validation> {
  const result: Validation = { destinations: 0, actions: 0, presets: 0, errors: [], warnings: [] }
  const stale: Finding[] = []
  for (const dir of destinationDirs()) {
    const destination = path.relative(ROOT, dir)
    const definition = await loadDefinition(dir)
    result.destinations += 1
    result.actions += Object.keys(definition.actions).length
    result.presets += definition.presets?.length ?? 0
    for (const finding of check(definition)) {
      result[finding.level === 'error' ? 'errors' : 'warnings'].push({ destination, ...finding })
    }
    for (const file of await staleTypes(dir)) {
      stale.push({ level: 'error', destination, message: `${file} is stale: run generate:types` })
    }
  }
  // Listed after every definition's own findings.
  result.errors.push(...stale)
  return result
}
