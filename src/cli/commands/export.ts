import fs from 'fs'
import path from 'path'
import { execFileSync } from 'child_process'
import type { Command } from 'commander'
import prettier from 'prettier'
import { BROWSER_DESTINATION_DIR, SERVER_DESTINATION_DIR, loadDefinition } from '../destinations'
import { metadataOf } from '../lib/metadata'
import { PROJECT_ROOT } from '../lib/paths'

/** Where each part of the project goes in Segment's monorepo, segmentio/action-destinations. */
const SHARED_RULES = 'src/shared/convertro-rules.ts'
const ATTRIBUTION = 'src/shared/__tests__/__helpers__/attribution.ts'
const BROWSER_DIR = path.relative(PROJECT_ROOT, BROWSER_DESTINATION_DIR)
const CLOUD_TARGET = 'packages/destination-actions/src/destinations/convertro'
const SHARED_TARGET = 'packages/actions-shared/src/convertro/convertro-rules.ts'
const SHARED_INDEX = 'packages/actions-shared/src/index.ts'
const SHARED_EXPORT = "export * from './convertro/convertro-rules'"
const BROWSER_TEMPLATE = 'packages/cli/templates/destinations/browser'

interface ExportOptions {
  force?: boolean
  dryRun?: boolean
}

/** The files export writes, by path in the monorepo, with their content. */
type Plan = Map<string, string>

const read = (file: string) => fs.readFileSync(file, 'utf8')
const versionOf = (monorepo: string, pkg: string) =>
  (JSON.parse(read(path.join(monorepo, 'packages', pkg, 'package.json'))) as { version: string }).version

/** Refuses a folder that is not a checkout of Segment's monorepo, naming what is missing. */
function checkMonorepo(monorepo: string): void {
  const needed = [
    'packages/destination-actions/src/destinations',
    'packages/browser-destinations/destinations',
    SHARED_INDEX,
    `${BROWSER_TEMPLATE}/package.json`
  ]
  const missing = needed.filter((entry) => !fs.existsSync(path.join(monorepo, entry)))
  let name: unknown
  try {
    name = (JSON.parse(read(path.join(monorepo, 'package.json'))) as { name?: unknown }).name
  } catch {
    name = undefined
  }
  if (name !== 'action-destinations' || missing.length > 0) {
    const why = name !== 'action-destinations' ? 'its package.json is not "action-destinations"' : ''
    const lacks = missing.length > 0 ? `it lacks ${missing.join(', ')}` : ''
    throw new Error(
      `${monorepo} is not a checkout of segmentio/action-destinations: ${[why, lacks].filter(Boolean).join('; ')}`
    )
  }
}

/** Every file under a folder, relative to it, in a stable order. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort()
}

/**
 * A source file as it reads in the monorepo: the shared rules come from `@segment/actions-shared`, and the
 * attribution table from the copy export writes beside the destination's tests (`tableAt`, from its root).
 */
function rewriteImports(text: string, fileDir: string, tableAt: string): string {
  let table = path.relative(fileDir, tableAt)
  if (!table.startsWith('.')) table = `./${table}`
  return text
    .replace(/'(?:\.\.\/)+shared\/convertro-rules'/g, "'@segment/actions-shared'")
    .replace(/'(?:\.\.\/)+shared\/__tests__\/__helpers__\/attribution'/g, `'${table}'`)
}

/** A destination's folder, copied with its imports rewritten and the attribution table beside its tests. */
function planDestination(plan: Plan, source: string, target: string, tableAt: string): void {
  const table = path.join(target, tableAt)
  for (const file of filesUnder(path.join(PROJECT_ROOT, source))) {
    const text = read(path.join(PROJECT_ROOT, source, file))
    const to = path.join(target, file)
    plan.set(to, /\.tsx?$/.test(file) ? rewriteImports(text, path.dirname(to), table) : text)
  }
  plan.set(`${table}.ts`, rewriteImports(read(path.join(PROJECT_ROOT, ATTRIBUTION)), path.dirname(table), table))
}

async function metadataJson(dir: string): Promise<string> {
  const json = JSON.stringify(metadataOf(await loadDefinition(dir)), null, 2) + '\n'
  // Segment's CLI formats it with the monorepo's prettier settings, which are the project's.
  const options = (await prettier.resolveConfig(path.join(PROJECT_ROOT, 'package.json'))) ?? {}
  return prettier.format(json, { ...options, parser: 'json' })
}

/** The browser package's package.json and tsconfig.json, from the CLI's template, as its siblings have them. */
function planBrowserPackage(plan: Plan, monorepo: string, target: string, slug: string): void {
  const fill = (file: string) =>
    read(path.join(monorepo, BROWSER_TEMPLATE, file))
      .replace(/{{slug}}/g, slug)
      .replace(/{{slugWithoutActions}}/g, path.basename(target))
  const pkg = JSON.parse(fill('package.json')) as { dependencies?: Record<string, string> }
  pkg.dependencies = {
    '@segment/actions-core': `^${versionOf(monorepo, 'core')}`,
    '@segment/actions-shared': `^${versionOf(monorepo, 'actions-shared')}`,
    '@segment/browser-destination-runtime': `^${versionOf(monorepo, 'browser-destination-runtime')}`
  }
  plan.set(path.join(target, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
  plan.set(path.join(target, 'tsconfig.json'), fill('tsconfig.json'))
}

/** Every file export writes into the monorepo, with its content. */
async function planExport(monorepo: string): Promise<Plan> {
  const plan: Plan = new Map()
  // Where each package's jest does not take a helper for a suite: destination-actions skips __helpers__ folders,
  // browser-destinations runs every file under __tests__, so its helpers sit beside the source (as test-utils.ts).
  planDestination(
    plan,
    path.relative(PROJECT_ROOT, SERVER_DESTINATION_DIR),
    CLOUD_TARGET,
    '__tests__/__helpers__/attribution'
  )
  plan.set(path.join(CLOUD_TARGET, 'metadata.json'), await metadataJson(SERVER_DESTINATION_DIR))

  const browser = await loadDefinition(path.join(PROJECT_ROOT, BROWSER_DIR))
  const browserTarget = `packages/browser-destinations/destinations/${path.basename(BROWSER_DIR)}`
  planDestination(plan, BROWSER_DIR, path.join(browserTarget, 'src'), 'test-attribution')
  plan.set(path.join(browserTarget, 'metadata.json'), await metadataJson(path.join(PROJECT_ROOT, BROWSER_DIR)))
  planBrowserPackage(plan, monorepo, browserTarget, browser.slug ?? '')

  plan.set(SHARED_TARGET, read(path.join(PROJECT_ROOT, SHARED_RULES)))
  // The shared package's index gains one line, once; the rest of it is left as it is.
  const index = read(path.join(monorepo, SHARED_INDEX))
  const exported = index.split('\n').some((line) => line.trim() === SHARED_EXPORT)
  plan.set(SHARED_INDEX, exported ? index : `${index}${index.endsWith('\n') || !index ? '' : '\n'}${SHARED_EXPORT}\n`)
  return plan
}

/** Files in the folders export owns that it no longer writes: they are removed, so the folders match. */
function stale(monorepo: string, plan: Plan): string[] {
  const owned = [CLOUD_TARGET, `packages/browser-destinations/destinations/${path.basename(BROWSER_DIR)}`]
  return owned
    .flatMap((dir) => filesUnder(path.join(monorepo, dir)).map((file) => path.join(dir, file)))
    .filter((file) => !plan.has(file) && !file.split(path.sep).includes('node_modules'))
}

/** Paths under `paths` with changes git has not committed. */
function uncommitted(monorepo: string, paths: string[]): string[] {
  let status: string
  try {
    status = execFileSync('git', ['-C', monorepo, 'status', '--porcelain', '--', ...paths], { encoding: 'utf8' })
  } catch {
    throw new Error(
      `${monorepo} is not a git checkout: cannot tell whether its files are committed (--force writes anyway)`
    )
  }
  return status.split('\n').filter(Boolean)
}

const FOLLOW_UP = [
  'What needs Segment, in the pull request or after it:',
  '  1. Segment assigns each destination a metadata id: register the cloud one in',
  '     packages/destination-actions/src/destinations/index.ts and the browser one in packages/destinations-manifest.',
  '  2. Run yarn install (the browser package is a new workspace), then the checks: yarn test in',
  '     packages/destination-actions and packages/browser-destinations, ./bin/run generate:types, ./bin/run validate.'
]

/** Writes the destinations into a checkout of Segment's monorepo; returns the exit code. */
export async function exportTo(monorepo: string, options: ExportOptions): Promise<number> {
  checkMonorepo(monorepo)
  const plan = await planExport(monorepo)
  const removed = stale(monorepo, plan)
  const changed = [...plan].filter(
    ([file, text]) => !fs.existsSync(path.join(monorepo, file)) || read(path.join(monorepo, file)) !== text
  )
  const touched = [...changed.map(([file]) => file), ...removed]
  const dirty = touched.length > 0 && !options.force ? uncommitted(monorepo, touched) : []
  if (dirty.length > 0) {
    console.error(
      `Refusing to overwrite uncommitted changes in ${monorepo} (--force writes anyway):\n${dirty.join('\n')}`
    )
    return 1
  }
  const verb = options.dryRun ? 'would write' : 'wrote'
  for (const [file, text] of changed) {
    if (!options.dryRun) {
      fs.mkdirSync(path.dirname(path.join(monorepo, file)), { recursive: true })
      fs.writeFileSync(path.join(monorepo, file), text)
    }
    console.log(`${verb} ${file}`)
  }
  for (const file of removed) {
    if (!options.dryRun) fs.rmSync(path.join(monorepo, file))
    console.log(`${options.dryRun ? 'would remove' : 'removed'} ${file}`)
  }
  console.log(`export: ${changed.length} written, ${removed.length} removed, ${plan.size - changed.length} unchanged`)
  console.log(FOLLOW_UP.join('\n'))
  return 0
}

export function configure(command: Command): void {
  command
    .argument('<monorepo>', 'a checkout of segmentio/action-destinations')
    .option('--force', 'write even over uncommitted changes there')
    .option('--dry-run', 'list what would be written or removed; change nothing')
    .action(async (monorepo: string, options: ExportOptions) => {
      process.exitCode = await exportTo(path.resolve(monorepo), options)
    })
}
