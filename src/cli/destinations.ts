import fs from 'fs'
import path from 'path'
import type * as Constants from '../destinations/convertro/constants'
import type * as Endpoint from '../destinations/convertro/endpoint'
import type * as Request from '../destinations/convertro/request'
import { CollectorAgent } from './lib/collector-host'
import type { AnyDefinition, Definition } from './lib/definition'
import { PROJECT_ROOT } from './lib/paths'

/**
 * The CLI's one door into the destinations: nothing else under src/cli imports them but the tester page's
 * device-mode runner (server/device/runner.ts), which esbuild bundles for the page with the browser destination in
 * it. Each is loaded from its source when asked for, so `serve --watch` gets a changed destination, and the rules
 * the local tools take from its modules, by loading again.
 */

/** Folders holding one destination each, as in Segment's repo (`<root>/<slug>/index.ts`). */
export const DESTINATION_ROOTS = ['src/destinations', 'src/browser-destinations']

/** What the destinations share: a change here changes them too. */
const SHARED_SOURCES = 'src/shared'

/** The destination `serve`, `send`, `replay` and `migrate` run. */
export const SERVER_DESTINATION_DIR = path.join(PROJECT_ROOT, 'src/destinations/convertro')

/** The device-mode destination: `migrate --mode device` and `serve -r` read its definition. */
export const BROWSER_DESTINATION_DIR = path.join(PROJECT_ROOT, 'src/browser-destinations/convertro-web')

/**
 * Convertro's rules that the local tools follow as the destination does, each from the destination's own module:
 * the call kinds the collector answers, the domain check migrate applies, and the typed error for a status.
 */
export interface DestinationRules {
  CALL_KINDS: typeof Constants.CALL_KINDS
  parseDomain: typeof Endpoint.parseDomain
  statusError: typeof Request.statusError
}

export interface ServerDestination {
  /** The definition, its calls connected by the local tools' agent (see CollectorAgent). */
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

/** A module of the server destination's folder, or nothing when the folder has no such file. */
async function destinationModule<T>(dir: string, name: string): Promise<Partial<T>> {
  const file = path.join(dir, `${name}.ts`)
  return fs.existsSync(file) ? ((await import(file)) as Partial<T>) : {}
}

/**
 * The definition as the local tools run it: the same, with every request it makes connected through `agent`, which
 * actions-core passes to node-fetch as the request's agent. Nothing else about a request changes.
 */
function connectedThrough(definition: Definition, agent: CollectorAgent, timeoutMs?: number): Definition {
  const own = definition.extendRequest
  if (timeoutMs === undefined) return { ...definition, extendRequest: (data) => ({ ...own?.(data), agent }) }
  // The destination gives each call its own timeout, which wins over one given here; a hook runs once the options
  // are merged, so it caps whatever the call asked for.
  const capped = (options: { timeout?: number | false }) => ({
    timeout: typeof options.timeout === 'number' ? Math.min(options.timeout, timeoutMs) : timeoutMs
  })
  return {
    ...definition,
    extendRequest: (data) => {
      // actions-core's client takes hooks from the extension (it extends its client with it), though its type for
      // the extension does not name them.
      const extension = { ...own?.(data), agent, beforeRequest: [capped] }
      return extension as ReturnType<NonNullable<Definition['extendRequest']>>
    }
  }
}

export interface ServerDestinationOptions {
  /** The destination's folder; the project's server destination by default. */
  dir?: string
  /** The agent its requests go through: where `convertro.test` is answered. By default, one that knows no collector. */
  agent?: CollectorAgent
  /** A time limit for each request, shorter than the destination's own, so a test waits out a timeout quickly. */
  timeoutMs?: number
}

/**
 * The server destination (by default the project's), its requests connected through the local tools' agent, with
 * the rules the local tools take from its modules (`constants.ts`, `endpoint.ts`, `request.ts`).
 */
export async function loadServerDestination(options: ServerDestinationOptions = {}): Promise<ServerDestination> {
  const { dir = SERVER_DESTINATION_DIR, agent = new CollectorAgent(), timeoutMs } = options
  const shown = path.relative(process.cwd(), dir)
  const module = (await import(path.join(dir, 'index.ts'))) as { default?: Definition }
  const { CALL_KINDS } = await destinationModule<typeof Constants>(dir, 'constants')
  const { parseDomain } = await destinationModule<typeof Endpoint>(dir, 'endpoint')
  const { statusError } = await destinationModule<typeof Request>(dir, 'request')
  if (!module.default?.actions || !CALL_KINDS || !parseDomain || !statusError) {
    throw new Error(
      `${shown} is not Convertro's server destination: the local server follows rules it takes from its modules (CALL_KINDS from constants.ts, parseDomain from endpoint.ts, statusError from request.ts). A browser destination is served with -r.`
    )
  }
  // Its settings type is the generated one; the CLI hands it settings as JSON, which the destination checks.
  const definition = connectedThrough(module.default, agent, timeoutMs)
  return { definition, rules: { CALL_KINDS, parseDomain, statusError } }
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
