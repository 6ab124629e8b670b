import { Destination, isObject } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import type { Definition } from '../lib/definition'
import { COLLECTOR_HOST } from '../lib/collector-host'
import { readJson } from '../lib/io'

/** Reads Actions settings; `migrate`'s whole output is taken too, for its `settings`. */
export function readSettings(file: string): JSONObject {
  const json = readJson(file)
  const settings = isObject(json) && isObject(json.settings) && Array.isArray(json.subscriptions) ? json.settings : json
  if (!isObject(settings)) throw new Error(`${file}: expected the destination's settings as a JSON object`)
  return settings as JSONObject
}

/** Whether a setting is unset, as the destination counts it. */
const unset = (value: unknown) => value === undefined || value === null || value === ''

/** The settings with the collector's host as their domain when they name none: the local collector, in this tool. */
export function withCollector(settings: JSONObject): JSONObject {
  return unset(settings.domain) ? { ...settings, domain: COLLECTOR_HOST } : settings
}

/**
 * Whether calls with these settings go to the default collector (`convertro.test` with no port), which a command
 * other than serve must find before it sends. The domain is read by the destination's own check: one it refuses
 * goes nowhere.
 */
export function sendsToCollector(settings: JSONObject, parseDomain: (domain: unknown) => string): boolean {
  let origin: URL
  try {
    origin = new URL(parseDomain(settings.domain))
  } catch {
    return false
  }
  return origin.hostname === COLLECTOR_HOST && origin.port === ''
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
