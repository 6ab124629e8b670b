import fs from 'fs'
import path from 'path'
import prettier from 'prettier'
import { loadDefinition } from '../destinations'
import { metadataOf } from '../lib/metadata'
import { PROJECT_ROOT } from '../lib/paths'
import { browserPackageFiles } from './browser-package'
import { rewriteImports } from './imports'
import { LAYOUTS } from './layout'
import type { Layout, Mode } from './layout'

/** The files export writes, by path in the monorepo, with their content. */
export type Plan = Map<string, string>

const read = (file: string) => fs.readFileSync(file, 'utf8')

/** Every file under a folder, relative to it, in a stable order. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort()
}

/** The project's prettier settings, which are the monorepo's. */
const prettierOptions = async () => (await prettier.resolveConfig(path.join(PROJECT_ROOT, 'package.json'))) ?? {}

/**
 * One file of the project at `target`, its imports of the shared files pointing at their copies; a file whose
 * imports changed is formatted again, as a shorter import may now fit on one line.
 */
async function place(plan: Plan, layout: Layout, source: string, target: string): Promise<void> {
  if (plan.has(target)) throw new Error(`${source} and another file would both be written to ${target}`)
  const text = read(path.join(PROJECT_ROOT, source))
  const rewritten = /\.tsx?$/.test(source) ? rewriteImports(text, source, target, layout.shared) : text
  const formatted =
    rewritten === text ? text : prettier.format(rewritten, { ...(await prettierOptions()), parser: 'typescript' })
  plan.set(target, formatted)
}

async function metadataJson(dir: string): Promise<string> {
  const json = JSON.stringify(metadataOf(await loadDefinition(dir)), null, 2) + '\n'
  // Segment's CLI formats it with the monorepo's prettier settings, which are the project's.
  return prettier.format(json, { ...(await prettierOptions()), parser: 'json' })
}

/** One mode's files: its destination, its own copy of the shared rules with their test, and its metadata. */
async function planMode(plan: Plan, monorepo: string, layout: Layout): Promise<void> {
  for (const file of filesUnder(path.join(PROJECT_ROOT, layout.source))) {
    await place(plan, layout, path.join(layout.source, file), path.join(layout.code, file))
  }
  for (const [source, target] of Object.entries(layout.shared)) await place(plan, layout, source, target)
  const dir = path.join(PROJECT_ROOT, layout.source)
  plan.set(path.join(layout.target, 'metadata.json'), await metadataJson(dir))
  if (layout.mode === 'device') {
    for (const [file, text] of browserPackageFiles(monorepo, layout, await loadDefinition(dir))) plan.set(file, text)
  }
}

/** Every file export writes into the monorepo for these modes, with its content. */
export async function planExport(monorepo: string, modes: Mode[]): Promise<Plan> {
  const plan: Plan = new Map()
  for (const mode of modes) await planMode(plan, monorepo, LAYOUTS[mode])
  return plan
}

/** Files in the chosen modes' folders that export no longer writes: they are removed, so the folders match. */
export function stale(monorepo: string, plan: Plan, modes: Mode[]): string[] {
  return modes
    .map((mode) => LAYOUTS[mode].target)
    .flatMap((dir) => filesUnder(path.join(monorepo, dir)).map((file) => path.join(dir, file)))
    .filter((file) => !plan.has(file) && !file.split(path.sep).includes('node_modules'))
}
