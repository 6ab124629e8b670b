import fs from 'fs'
import path from 'path'
import type { DestinationDefinition, GlobalSetting, InputField } from '@segment/actions-core'

/** The project root, whichever way the CLI was started. */
export const ROOT = path.resolve(__dirname, '../../..')

/** Folders holding one destination each, as in Segment's repo (`<root>/<slug>/index.ts`). */
export const DESTINATION_ROOTS = ['src/destinations', 'src/browser-destinations']

/** The destination `serve`, `send` and `migrate` run. */
export const SERVER_DESTINATION_DIR = path.join(ROOT, 'src/destinations/convertro')

export type Fields = Record<string, InputField | GlobalSetting>

/** A cloud definition keeps its settings in `authentication.fields`, a browser one in `settings`. */
export type AnyDefinition = Pick<DestinationDefinition<unknown>, 'name' | 'slug' | 'mode' | 'actions' | 'presets'> & {
  authentication?: DestinationDefinition<unknown>['authentication']
  settings?: Fields
}

/** Every destination folder of the project, absolute. */
export function destinationDirs(): string[] {
  return DESTINATION_ROOTS.flatMap((root) =>
    fs
      .readdirSync(path.join(ROOT, root), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(ROOT, root, entry.name, 'index.ts')))
      .map((entry) => path.join(ROOT, root, entry.name))
  )
}

export async function loadDefinition(dir: string): Promise<AnyDefinition> {
  const module = (await import(path.join(dir, 'index.ts'))) as { default?: AnyDefinition; destination?: AnyDefinition }
  const definition = module.destination ?? module.default
  if (!definition?.actions) throw new Error(`${path.relative(ROOT, dir)}/index.ts exports no destination definition`)
  return definition
}

/** A destination's settings, wherever its mode declares them. */
export function settingsOf(definition: AnyDefinition): Fields {
  return { ...definition.settings, ...definition.authentication?.fields }
}

/** Forgets every loaded module under `dir`, so the next load reads the source afresh. */
export function forgetModules(dir: string): void {
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(dir + path.sep)) delete require.cache[file]
  }
}
