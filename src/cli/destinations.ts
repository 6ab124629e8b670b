import fs from 'fs'
import path from 'path'
import type * as ServerModule from '../destinations/convertro'
import type { AnyDefinition, Definition } from './lib/definition'
import { PROJECT_ROOT } from './lib/paths'

/**
 * The CLI's one door into the destinations: nothing else under src/cli imports them but the tester page's
 * device-mode runner (server/device/runner.ts), which esbuild bundles for the page with the browser destination in
 * it. Each is loaded from its source when asked for, so `serve --watch` gets a changed destination, and the rules
 * it exports, by loading again.
 */

/** Folders holding one destination each, as in Segment's repo (`<root>/<slug>/index.ts`). */
export const DESTINATION_ROOTS = ['src/destinations', 'src/browser-destinations']

/** What the destinations share: a change here changes them too. */
const SHARED_SOURCES = 'src/shared'

/** The destination `serve`, `send`, `replay` and `migrate` run. */
export const SERVER_DESTINATION_DIR = path.join(PROJECT_ROOT, 'src/destinations/convertro')

/** The device-mode destination: `migrate --mode device` and `serve -r` read its definition. */
export const BROWSER_DESTINATION_DIR = path.join(PROJECT_ROOT, 'src/browser-destinations/convertro-web')

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

/** A destination folder's entry: `index.ts`, or `src/index.ts` as Segment's browser destinations have it. */
function entryOf(dir: string): string | undefined {
  return ['index.ts', 'src/index.ts'].map((entry) => path.join(dir, entry)).find((file) => fs.existsSync(file))
}

/** Either mode's definition from its folder: a browser destination exports it as `destination`. */
export async function loadDefinition(dir: string): Promise<AnyDefinition> {
  const entry = entryOf(dir) ?? path.join(dir, 'index.ts')
  const module = (await import(entry)) as { default?: AnyDefinition; destination?: AnyDefinition }
  const definition = module.destination ?? module.default
  if (!definition?.actions) {
    throw new Error(`${path.relative(process.cwd(), entry)} exports no destination definition`)
  }
  return definition
}

/** The destination folders of `directory` (absolute), in name order: those with an entry file. */
function destinationFolders(directory: string): string[] {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(directory, { withFileTypes: true })
  } catch (error) {
    throw new Error(`Cannot read the destinations directory ${directory}: ${(error as Error).message}`)
  }
  return entries
    .filter((entry) => entry.isDirectory() && entryOf(path.join(directory, entry.name)))
    .map((entry) => path.join(directory, entry.name))
    .sort()
}

/** Each folder as `folder (slug)`, its slug read from its definition; a folder that does not load shows none. */
async function describeFolders(folders: string[]): Promise<{ dir: string; slug?: string; shown: string }[]> {
  return Promise.all(
    folders.map(async (dir) => {
      const slug = await loadDefinition(dir).then(
        (definition) => definition.slug,
        () => undefined
      )
      return { dir, slug, shown: slug ? `${path.basename(dir)} (${slug})` : path.basename(dir) }
    })
  )
}

/**
 * The folder of `directory` that `name` names, by folder name or by its definition's slug, as `serve -d` takes it;
 * without a name, the directory's only destination. Anything else is refused with the destinations it holds.
 */
export async function findDestination(directory: string, name?: string): Promise<string> {
  const shown = path.relative(process.cwd(), directory) || '.'
  const folders = destinationFolders(directory)
  if (folders.length === 0) throw new Error(`${shown} holds no destination (a folder with an index.ts)`)
  const byFolder = name === undefined ? undefined : folders.find((dir) => path.basename(dir) === name)
  if (byFolder) return byFolder
  if (name === undefined && folders.length === 1) return folders[0]
  const described = await describeFolders(folders)
  const list = described.map((folder) => folder.shown).join(', ')
  if (name === undefined) throw new Error(`${shown} holds several destinations: choose one with -d (${list})`)
  const bySlug = described.find((folder) => folder.slug === name)
  if (bySlug) return bySlug.dir
  throw new Error(`Unknown destination "${name}" in ${shown}. Destinations: ${list}.`)
}

/** The server destination (by default the project's) with the rules it exports for the local tools. */
export async function loadServerDestination(dir = SERVER_DESTINATION_DIR): Promise<ServerDestination> {
  const module = (await import(path.join(dir, 'index.ts'))) as Partial<typeof ServerModule>
  const { CALL_KINDS, LOOPBACK_HOSTS, parseDomain, statusError } = module
  if (!module.default || !CALL_KINDS || !LOOPBACK_HOSTS || !parseDomain || !statusError) {
    throw new Error(
      `${path.relative(
        process.cwd(),
        dir
      )}/index.ts is not Convertro's server destination: it does not export the rules the local server follows (CALL_KINDS, LOOPBACK_HOSTS, parseDomain, statusError). A browser destination is served with -r.`
    )
  }
  // Its settings type is the generated one; the CLI hands it settings as JSON, which the destination checks.
  const definition = module.default as unknown as Definition
  return { definition, rules: { CALL_KINDS, LOOPBACK_HOSTS, parseDomain, statusError } }
}

/** The folders whose change changes a destination, absolute, with `extra` folders outside them. */
export function destinationSources(extra: string[] = []): string[] {
  const roots = [...DESTINATION_ROOTS, SHARED_SOURCES].map((root) => path.join(PROJECT_ROOT, root))
  const outside = extra.filter((dir) => !roots.some((root) => (dir + path.sep).startsWith(root + path.sep)))
  return [...roots, ...outside]
}

/** Forgets every loaded module of the destinations (and of `extra` folders), so the next load reads them afresh. */
export function forgetDestinations(extra: string[] = []): void {
  const roots = destinationSources(extra)
  for (const file of Object.keys(require.cache)) {
    if (roots.some((root) => file.startsWith(root + path.sep))) delete require.cache[file]
  }
}
