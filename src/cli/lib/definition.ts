import type { DestinationDefinition, GlobalSetting, InputField, JSONObject } from '@segment/actions-core'

export type Fields = Record<string, InputField | GlobalSetting>

/** The cloud destination as the CLI runs it: settings stay plain JSON until the destination checks them. */
export type Definition = DestinationDefinition<JSONObject>

/** Either mode's definition: a cloud one keeps its settings in `authentication.fields`, a browser one in `settings`. */
export type AnyDefinition = Pick<Definition, 'name' | 'slug' | 'description' | 'actions' | 'presets'> & {
  mode: 'cloud' | 'device'
  authentication?: Definition['authentication']
  settings?: Record<string, GlobalSetting>
}

/** A destination's settings, wherever its mode declares them. */
export function settingsOf(definition: AnyDefinition): Fields {
  return { ...definition.settings, ...definition.authentication?.fields }
}

export const hasAction = (definition: AnyDefinition, key: string): boolean => Object.hasOwn(definition.actions, key)

/**
 * A browser definition as actions-core's cloud `Destination` takes it, to check settings with: its settings as
 * authentication fields, and no actions (they run in the page).
 */
export function browserSettingsDefinition(definition: AnyDefinition): Definition {
  const fields = definition.settings ?? {}
  return {
    // actions-core caches a settings schema under the destination's name, which the server destination shares;
    // the slug is distinct, and (unlike a name with a space) a valid key for that cache.
    name: definition.slug ?? `${definition.name}-device`,
    slug: definition.slug,
    mode: 'cloud',
    actions: {},
    authentication: { scheme: 'custom', fields }
  }
}
