import type { GlobalSetting, InputField } from '@segment/actions-core'
import { settingsOf } from './definition'
import type { AnyDefinition } from './definition'

/**
 * A destination's metadata.json as Segment's CLI writes it (`generate:metadata-payload`, whose output Segment's
 * CI checks is committed): the definition without functions, each field with the same keys in the same order.
 * Convertro has no audiences, sync modes, hooks or dynamic fields: those keys are null, as the CLI writes them.
 */

type Field = Omit<InputField, 'description' | 'dynamic'> & { description?: string; dynamic?: unknown }

const required = (field: Field | GlobalSetting) =>
  typeof field.required === 'object' && field.required !== null ? field.required : field.required === true

function choices(field: Field | GlobalSetting) {
  if (!Array.isArray(field.choices) || field.choices.length === 0) return null
  return field.choices.map((choice) => (typeof choice === 'object' ? choice : { label: String(choice), value: choice }))
}

function settingField(field: Field | GlobalSetting) {
  return {
    label: field.label,
    description: field.description,
    type: field.type,
    required: required(field),
    multiple: field.multiple ?? false,
    choices: choices(field),
    default: field.default ?? null,
    depends_on: field.depends_on ?? null
  }
}

function actionField(field: Field): Record<string, unknown> {
  const nested = field.type === 'object' && field.properties ? field.properties : undefined
  return {
    label: field.label,
    description: field.description,
    type: field.type,
    required: required(field),
    multiple: field.multiple ?? false,
    allowNull: field.allowNull ?? false,
    dynamic: typeof field.dynamic === 'function' ? true : field.dynamic ?? false,
    default: field.default ?? null,
    choices: choices(field),
    placeholder: field.placeholder ?? null,
    properties: nested ? mapValues(nested, actionField) : null,
    category: field.category ?? null,
    depends_on: field.depends_on ?? null,
    readOnly: field.readOnly ?? null,
    hidden: field.unsafe_hidden ?? null,
    minimum: field.minimum ?? null,
    maximum: field.maximum ?? null,
    defaultObjectUI: field.defaultObjectUI ?? null,
    disabledInputMethods: field.disabledInputMethods ?? null,
    displayMode: field.displayMode ?? null,
    format: field.format ?? null,
    additionalProperties: field.additionalProperties ?? false
  }
}

const mapValues = <T, U>(record: Record<string, T>, map: (value: T, key: string) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value, key)]))

function action(definition: AnyDefinition['actions'][string], key: string) {
  return {
    title: definition.title ?? key,
    description: definition.description ?? '',
    platform: (definition as { platform?: string }).platform === 'web' ? 'web' : 'cloud',
    defaultSubscription: definition.defaultSubscription ?? null,
    hidden: definition.hidden ?? false,
    hasPerformBatch: typeof definition.performBatch === 'function',
    syncMode: null,
    hooks: null,
    dynamicFields: null,
    fields: mapValues(definition.fields as Record<string, Field>, actionField)
  }
}

/** The metadata.json of a definition (written with JSON.stringify, which leaves out what is undefined). */
export function metadataOf(definition: AnyDefinition): Record<string, unknown> {
  const fields = settingsOf(definition)
  const hasSettings = definition.authentication !== undefined || Object.keys(fields).length > 0
  return {
    slug: definition.slug,
    name: definition.name,
    mode: definition.mode ?? 'cloud',
    description: definition.description,
    authentication: hasSettings
      ? { scheme: definition.authentication?.scheme ?? 'custom', fields: mapValues(fields, settingField) }
      : null,
    audienceConfig: null,
    actions: mapValues(definition.actions, action),
    presets: (definition.presets ?? []).map((preset) => ({
      name: preset.name,
      type: preset.type,
      partnerAction: preset.partnerAction,
      subscribe: 'subscribe' in preset ? preset.subscribe : undefined,
      mapping: preset.mapping ?? {},
      eventSlug: ('eventSlug' in preset ? preset.eventSlug : undefined) ?? null
    }))
  }
}
