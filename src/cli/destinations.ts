import fs from 'fs'
import path from 'path'
import type * as ServerModule from '../destinations/convertro'
import type { AnyDefinition, Definition } from './lib/definition'
import { PROJECT_ROOT } from './lib/paths'

/**
 * The CLI's one door into the destinations: nothing else under src/cli imports them. Each is loaded from its
 * source when asked for, so `serve --watch` gets a changed destination, and the rules it exports, by loading again.
 */

/** Folders holding one destination each, as in Segment's repo (`<root>/<slug>/index.ts`). */
export const DESTINATION_ROOTS = ['src/destinations', 'src/browser-destinations']

/** What the destinations share: a change here changes them too. */
const SHARED_SOURCES = 'src/shared'

/** The destination `serve`, `send`, `replay` and `migrate` run. */
export const SERVER_DESTINATION_DIR = path.join(PROJECT_ROOT, 'src/destinations/convertro')

/** Convertro's rules that the local tools follow as the destination does, exported by it for them. */
export type DestinationRules = Pick<
  typeof ServerModule,
  'CALL_KINDS' | 'LOOPBACK_HOSTS' | 'parseDomain' | 'statusError'
>

export interface ServerDestination {
  definition: Definition
  rules: DestinationRules
}

/** Every destination folder of the project, absolute. */
export function destinationDirs(): string[] {
  return DESTINATION_ROOTS.flatMap((root) =>
    fs
      .readdirSync(path.join(PROJECT_ROOT, root), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(PROJECT_ROOT, root, entry.name, 'index.ts')))
      .map((entry) => path.join(PROJECT_ROOT, root, entry.name))
  )
}

/** Either mode's definition from its folder: a browser destination exports it as `destination`. */
export async function loadDefinition(dir: string): Promise<AnyDefinition> {
  const module = (await import(path.join(dir, 'index.ts'))) as { default?: AnyDefinition; destination?: AnyDefinition }
  const definition = module.destination ?? module.default
  if (!definition?.actions) {
    throw new Error(`${path.relative(PROJECT_ROOT, dir)}/index.ts exports no destination definition`)
  }
  return definition
}

/** The server destination with the rules it exports for the local tools. */
export async function loadServerDestination(): Promise<ServerDestination> {
  const module = (await import(path.join(SERVER_DESTINATION_DIR, 'index.ts'))) as typeof ServerModule
  const { CALL_KINDS, LOOPBACK_HOSTS, parseDomain, statusError } = module
  // Its settings type is the generated one; the CLI hands it settings as JSON, which the destination checks.
  const definition = module.default as unknown as Definition
  return { definition, rules: { CALL_KINDS, LOOPBACK_HOSTS, parseDomain, statusError } }
}

/** The folders whose change changes a destination, absolute. */
export const destinationSources = (): string[] =>
  [...DESTINATION_ROOTS, SHARED_SOURCES].map((root) => path.join(PROJECT_ROOT, root))

/** Forgets every loaded module of the destinations, so the next load reads their sources afresh. */
export function forgetDestinations(): void {
  const roots = destinationSources()
  for (const file of Object.keys(require.cache)) {
    if (roots.some((root) => file.startsWith(root + path.sep))) delete require.cache[file]
  }
}
