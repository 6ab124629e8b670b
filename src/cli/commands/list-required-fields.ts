import type { Command } from 'commander'
import { destinationDirs, loadDefinition } from '../destinations'
import { settingsOf } from '../lib/definition'

/**
 * Required settings and required fields per action, as Segment's CLI prints them, keyed by slug: both
 * modes of the destination are named Convertro.
 */
export async function listRequiredFields(): Promise<Record<string, Record<string, string[]>>> {
  const result: Record<string, Record<string, string[]>> = {}
  for (const dir of destinationDirs()) {
    const definition = await loadDefinition(dir)
    const required = (fields: Record<string, { required?: unknown }>) =>
      Object.entries(fields)
        .filter(([, field]) => field.required === true)
        .map(([key]) => key)
    const entry: Record<string, string[]> = { settings: required(settingsOf(definition)) }
    for (const [key, action] of Object.entries(definition.actions)) {
      const fields = required(action.fields)
      if (fields.length > 0) entry[key] = fields
    }
    result[definition.slug ?? definition.name] = entry
  }
  return result
}

export function configure(command: Command): void {
  command.action(async () => console.log(JSON.stringify(await listRequiredFields(), null, 2)))
}
