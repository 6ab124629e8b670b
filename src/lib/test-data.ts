import Chance from 'chance'
import type { GlobalSetting, InputField, JSONObject, JSONValue } from '@segment/actions-core'

/**
 * Event and settings data for snapshot tests, generated as Segment's monorepo generates it (its
 * packages/destination-actions/src/lib/test-data.ts, which the CLI's snapshot templates import by the same
 * relative path). Every value comes from a Chance seeded with the test's seed name, so a value depends only on
 * the seed, the field's type and its name: a snapshot written here is the one the monorepo's tests expect.
 */

type Field = Pick<InputField, 'type' | 'format' | 'minimum' | 'maximum' | 'multiple'> & {
  choices?: InputField['choices']
  properties?: Record<string, Field>
  required?: unknown
}

const DATETIME = '2021-02-01T00:00:00.000Z'
const twoDigits = (values: number[], separator: string) => values.map((v) => String(v).padStart(2, '0')).join(separator)

/** A string in the field's format; any other string is random text. */
function formatted(chance: Chance.Chance, format: string | undefined): string {
  const date = () => chance.date() as Date
  switch (format) {
    case 'date': {
      const d = date()
      return twoDigits([d.getFullYear(), d.getMonth() + 1, d.getDate()], '-')
    }
    case 'date-time':
      return date().toISOString()
    case 'email':
      return chance.email()
    case 'hostname':
      return chance.domain()
    case 'ipv4':
      return chance.ip()
    case 'ipv6':
      return chance.ipv6()
    case 'time': {
      const d = date()
      return twoDigits([d.getHours(), d.getMinutes(), d.getSeconds()], ':')
    }
    case 'uri':
      return chance.url()
    case 'uuid':
      return chance.guid()
    default:
      return chance.string()
  }
}

/** A value of the field's type, drawn in the same order as the monorepo's generator draws it. */
function draw(chance: Chance.Chance, { type, format, minimum, maximum }: Field): JSONValue {
  const bounds = { ...(minimum !== undefined && { min: minimum }), ...(maximum !== undefined && { max: maximum }) }
  switch (type) {
    case 'boolean':
      return chance.bool()
    case 'datetime':
      return DATETIME
    case 'integer':
      return chance.integer(bounds)
    case 'number':
      return chance.floating({ ...bounds, fixed: 2 })
    case 'text':
      return chance.sentence()
    case 'object':
      return { testType: chance.string() }
    default:
      return formatted(chance, format)
  }
}

/** A test value for one field or setting, from a Chance of its own seeded with `seed`. */
function testValue(seed: string, field: Field, name?: string): JSONValue {
  const chance = new Chance(seed)
  if (Array.isArray(field.choices)) {
    const choice = chance.pickone(field.choices as JSONValue[])
    const value = (choice as { value?: JSONValue } | null)?.value
    return value ? value : choice
  }
  const value = draw(chance, field)
  if (name === 'email') return chance.email()
  if (name === 'currency') return chance.currency().code
  if (name === 'phone_number') return '+' + chance.phone({ formatted: false })
  return value
}

/** What one action field gets: an object of its (required) properties, consent preferences, or a value. */
function fieldValue(seed: string, name: string, field: Field, requiredOnly: boolean): JSONValue {
  let value: JSONValue
  if (field.properties) {
    const entries = Object.entries(field.properties).filter(([, property]) => !requiredOnly || property.required)
    value = Object.fromEntries(
      entries.map(([key, property]) => [
        key,
        property.multiple ? [testValue(seed, property, key)] : testValue(seed, property, key)
      ])
    )
  } else if (name === 'consent') {
    value = { categoryPreferences: { analytics: true, marketing: false } }
  } else {
    value = testValue(seed, field, name)
  }
  return field.multiple ? [value] : value
}

/**
 * Event data for an action's fields (with `requiredOnly`, the required ones and those whose name has `id` or
 * `consent` in it) and data for the destination's settings.
 */
export function generateTestData(
  seed: string,
  destination: { authentication?: { fields: Record<string, GlobalSetting> } },
  action: { fields: Record<string, InputField> },
  requiredOnly: boolean
): [JSONObject, JSONObject] {
  const settings: JSONObject = {}
  for (const [key, { type, format, minimum, maximum }] of Object.entries(destination.authentication?.fields ?? {})) {
    settings[key] = testValue(seed, { type, format, minimum, maximum } as Field)
  }
  const event: JSONObject = {}
  for (const [name, field] of Object.entries(action.fields as Record<string, Field>)) {
    const included = field.required || name.includes('id') || name.includes('consent')
    if (!requiredOnly || included) event[name] = fieldValue(seed, name, field, requiredOnly)
  }
  return [event, settings]
}
