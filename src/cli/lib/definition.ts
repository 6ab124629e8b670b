import type { DestinationDefinition, GlobalSetting, InputField, JSONObject } from '@segment/actions-core'

export type Fields = Record<string, InputField | GlobalSetting>

/** The cloud destination as the CLI runs it: settings stay plain JSON until the destination checks them. */
export type Definition = DestinationDefinition<JSONObject>

/** Either mode's definition: a cloud one keeps its settings in `authentication.fields`, a browser one in `settings`. */
export type AnyDefinition = Pick<Definition, 'name' | 'slug' | 'mode' | 'description' | 'actions' | 'presets'> & {
  authentication?: Definition['authentication']
  settings?: Fields
}

/** A destination's settings, wherever its mode declares them. */
export function settingsOf(definition: AnyDefinition): Fields {
  return { ...definition.settings, ...definition.authentication?.fields }
}

export const hasAction = (definition: AnyDefinition, key: string): boolean => Object.hasOwn(definition.actions, key)
