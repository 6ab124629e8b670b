import path from 'path'
import type { Command } from 'commander'
import { defaultValues } from '@segment/actions-core'
import validateMapping from '@segment/actions-core/mapping-kit/validate'
import { destinationDirs, loadDefinition } from '../destinations'
import { settingsOf } from '../lib/definition'
import type { AnyDefinition } from '../lib/definition'
import { fqlProblem } from '../lib/fql'
import { PROJECT_ROOT } from '../lib/paths'
import { staleTypes } from './generate-types'

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

type Report = (level: Finding['level'], message: string) => void

function checkActions(definition: AnyDefinition, report: Report): void {
  const actions = Object.entries(definition.actions)
  if (actions.length === 0) report('error', 'defines no actions')
  for (const [key, action] of actions) {
    if (!action.description) report('error', `action "${key}" has no description`)
    if (action.defaultSubscription) {
      const problem = fqlProblem(action.defaultSubscription)
      if (problem) report('error', `action "${key}" has a defaultSubscription that ${problem}`)
    }
    for (const [fieldKey, field] of Object.entries(action.fields)) {
      if (!field.description) report('warning', `action "${key}" field "${fieldKey}" has no description`)
    }
    for (const problem of mappingProblems(defaultValues(action.fields))) {
      report('error', `action "${key}" has an invalid field default: ${problem}`)
    }
  }
}

function checkPresets(definition: AnyDefinition, report: Report): void {
  for (const preset of definition.presets ?? []) {
    const action = definition.actions[preset.partnerAction]
    if (!action) {
      report('error', `preset "${preset.name}" names action "${preset.partnerAction}", which does not exist`)
      continue
    }
    if (preset.type === 'automatic') {
      const problem = fqlProblem(preset.subscribe)
      if (problem) report('error', `preset "${preset.name}" has a subscription that ${problem}`)
    }
    for (const field of Object.keys(preset.mapping ?? {})) {
      if (!(field in action.fields))
        report('error', `preset "${preset.name}" maps "${field}", which action "${preset.partnerAction}" lacks`)
    }
    for (const problem of mappingProblems(preset.mapping ?? {})) {
      report('error', `preset "${preset.name}" has an invalid mapping: ${problem}`)
    }
  }
}

function checkSettingFields(definition: AnyDefinition, report: Report): void {
  const settings = Object.entries(settingsOf(definition))
  if (definition.mode === 'cloud' && !definition.authentication)
    report('error', 'declares no authentication (settings)')
  if (settings.length > 0 && !settings.some(([, field]) => field.required))
    report('warning', 'declares no required setting')
  for (const [name, field] of settings) {
    if (!field.label) report('error', `setting "${name}" has no label`)
    if (!field.description) report('error', `setting "${name}" has no description`)
    if ((field.type === 'boolean' || field.type === 'number') && field.default !== undefined) {
      if (typeof field.default !== field.type)
        report('error', `setting "${name}" is a ${field.type} with a ${typeof field.default} default`)
    }
  }
}

/** What Segment's `validate` checks, and a little more: each problem of one definition. */
function check(definition: AnyDefinition): Omit<Finding, 'destination'>[] {
  const findings: Omit<Finding, 'destination'>[] = []
  const report: Report = (level, message) => findings.push({ level, message })
  checkActions(definition, report)
  checkPresets(definition, report)
  checkSettingFields(definition, report)
  return findings
}

/** Validates every destination of the project, generated types included. */
export async function validateProject(): Promise<Validation> {
  const result: Validation = { destinations: 0, actions: 0, presets: 0, errors: [], warnings: [] }
  const stale: Finding[] = []
  for (const dir of destinationDirs()) {
    const destination = path.relative(PROJECT_ROOT, dir)
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

export function configure(command: Command): void {
  command.option('--json', 'print the findings as JSON').action(async ({ json }: { json?: boolean }) => {
    const result = await validateProject()
    const ok = result.errors.length === 0
    const summary = `${result.destinations} destination(s), ${result.actions} action(s), ${result.presets} preset(s): ${result.errors.length} error(s), ${result.warnings.length} warning(s)`
    if (json) {
      console.log(JSON.stringify({ ok, summary, ...result }, null, 2))
    } else {
      for (const f of [...result.errors, ...result.warnings]) console.log(`${f.level}: ${f.destination}: ${f.message}`)
      console.log(`validate: ${summary}`)
    }
    process.exitCode = ok ? 0 : 1
  })
}
