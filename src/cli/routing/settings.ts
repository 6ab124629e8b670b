import { Destination, isObject } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import type { Definition } from '../lib/definition'
import { readJson } from '../lib/io'

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
