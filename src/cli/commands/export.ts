import fs from 'fs'
import path from 'path'
import { execFileSync } from 'child_process'
import { Option } from 'commander'
import type { Command } from 'commander'
import { BROWSER_TEMPLATE, BROWSER_TEMPLATE_FILES } from '../export/browser-package'
import { LAYOUTS, PR_TEMPLATE, modesOf } from '../export/layout'
import type { Mode } from '../export/layout'
import { legacyCleanup } from '../export/legacy'
import { planExport, stale } from '../export/plan'

interface ExportOptions {
  force?: boolean
  dryRun?: boolean
  mode?: string
  prBody?: string
  cloudPr?: string
  docsPr?: string
}

/** What export changes in the monorepo. */
interface Changes {
  write: [string, string][]
  remove: string[]
  unchanged: number
  /** What it found and left as it is, and why. */
  notes: string[]
}

const read = (file: string) => fs.readFileSync(file, 'utf8')

/** What export reads in the monorepo for these modes (and for a PR description). */
function needed(modes: Mode[], prBody: boolean): string[] {
  const cloud = ['packages/destination-actions/src/destinations']
  const device = [
    'packages/browser-destinations/destinations',
    'packages/core/package.json',
    'packages/browser-destination-runtime/package.json',
    ...BROWSER_TEMPLATE_FILES.map((file) => `${BROWSER_TEMPLATE}/${file}`)
  ]
  return [
    ...(modes.includes('cloud') ? cloud : []),
    ...(modes.includes('device') ? device : []),
    ...(prBody ? [PR_TEMPLATE] : [])
  ]
}

/** Refuses a folder that is not a checkout of Segment's monorepo, naming what is missing. */
function checkMonorepo(monorepo: string, modes: Mode[], prBody: boolean): void {
  const missing = needed(modes, prBody).filter((entry) => !fs.existsSync(path.join(monorepo, entry)))
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

/** The files to write (those whose content differs), to remove, and what was left as it is. */
async function changesFor(monorepo: string, modes: Mode[]): Promise<Changes> {
  const plan = await planExport(monorepo, modes)
  const legacy = legacyCleanup(monorepo, modes)
  const differs = ([file, text]: [string, string]) =>
    !fs.existsSync(path.join(monorepo, file)) || read(path.join(monorepo, file)) !== text
  const write = [...plan, ...legacy.write].filter(differs)
  const remove = [...stale(monorepo, plan, modes), ...legacy.remove]
  return { write, remove, unchanged: plan.size - write.filter(([file]) => plan.has(file)).length, notes: legacy.notes }
}

/** Paths under `paths` with changes git has not committed. */
function uncommitted(monorepo: string, paths: string[]): string[] {
  let status: string
  try {
    // git warns on stderr about pathspecs in folders that do not exist yet: new files, which cannot be dirty.
    status = execFileSync('git', ['-C', monorepo, 'status', '--porcelain', '--', ...paths], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe']
    })
  } catch {
    throw new Error(
      `${monorepo} is not a git checkout: cannot tell whether its files are committed (--force writes anyway)`
    )
  }
  return status.split('\n').filter(Boolean)
}

/** Removes a file, then the folders it leaves empty, up to the monorepo's root. */
function removeFile(monorepo: string, file: string): void {
  fs.rmSync(path.join(monorepo, file))
  let dir = path.dirname(file)
  while (dir !== '.' && fs.readdirSync(path.join(monorepo, dir)).length === 0) {
    fs.rmdirSync(path.join(monorepo, dir))
    dir = path.dirname(dir)
  }
}

function apply(monorepo: string, changes: Changes, dryRun: boolean): void {
  for (const [file, text] of changes.write) {
    if (!dryRun) {
      fs.mkdirSync(path.dirname(path.join(monorepo, file)), { recursive: true })
      fs.writeFileSync(path.join(monorepo, file), text)
    }
    console.log(`${dryRun ? 'would write' : 'wrote'} ${file}`)
  }
  for (const file of changes.remove) {
    if (!dryRun) removeFile(monorepo, file)
    console.log(`${dryRun ? 'would remove' : 'removed'} ${file}`)
  }
  for (const note of changes.notes) console.log(note)
}

/** Which PR this run's files are for, and the order the PRs go in. */
function followUp(modes: Mode[]): string[] {
  const which =
    modes.length === 2
      ? `This run wrote both modes: commit ${LAYOUTS.cloud.target} and ${LAYOUTS.device.target} on separate branches.`
      : `This run wrote the files of PR ${modes[0] === 'cloud' ? '1 (cloud mode)' : '2 (device mode)'}.`
  return [
    'Pull requests: one per mode, each from a branch of its own, in this order:',
    `  1. cloud mode (export --mode cloud): ${LAYOUTS.cloud.target}`,
    `  2. device mode (export --mode device): ${LAYOUTS.device.target}; its description links PR 1.`,
    '  The second needs nothing from the first in code: each destination has its own copy of the shared rules',
    '  (convertro-rules.ts, with its test). Both share one docs page in segment-docs.',
    `  ${which}`,
    'What needs Segment, in the pull requests or after them:',
    '  1. Segment assigns each destination a metadata id: register the cloud one in',
    '     packages/destination-actions/src/destinations/index.ts and the browser one in packages/destinations-manifest.',
    '  2. The checks: ./bin/run generate:types, ./bin/run validate, and yarn test in packages/destination-actions (PR 1)',
    '     or, after yarn install (the browser package is a new workspace), in packages/browser-destinations (PR 2).'
  ]
}

/** Measures the checks and writes the PR description(s); returns the exit code. */
async function describePrs(monorepo: string, modes: Mode[], options: ExportOptions): Promise<number> {
  const file = path.resolve(options.prBody as string)
  if (options.dryRun) {
    console.log(
      `would write the PR description${modes.length > 1 ? 's' : ''} to ${file} (nothing is measured in a dry run)`
    )
    return 0
  }
  // Loaded only here: the checks bring a browser and a test runner with them.
  const { writePrDescriptions } = await import('../export/pr-description')
  const failed = await writePrDescriptions(monorepo, modes, {
    file,
    links: { cloudPr: options.cloudPr, docsPr: options.docsPr }
  })
  const both = modes.length > 1 ? ': PR 1 (cloud) then PR 2 (device), each from its "<!-- PR n of 2" line' : ''
  console.log(`wrote the PR description${modes.length > 1 ? 's' : ''} to ${file}${both}`)
  const unlinked = [modes.includes('device') && !options.cloudPr && '--cloud-pr', !options.docsPr && '--docs-pr']
  if (unlinked.some(Boolean)) console.log(`  links left to add (or pass ${unlinked.filter(Boolean).join(', ')})`)
  for (const check of failed) console.error(`check failed: ${check.mode} ${check.name}: ${check.summary}`)
  return failed.length > 0 ? 1 : 0
}

/** Writes the chosen mode(s) into a checkout of Segment's monorepo, and their PR descriptions; returns the exit code. */
export async function exportTo(monorepo: string, options: ExportOptions): Promise<number> {
  const modes = modesOf(options.mode)
  checkMonorepo(monorepo, modes, Boolean(options.prBody))
  const changes = await changesFor(monorepo, modes)
  const touched = [...changes.write.map(([file]) => file), ...changes.remove]
  const dirty = touched.length > 0 && !options.force ? uncommitted(monorepo, touched) : []
  if (dirty.length > 0) {
    console.error(
      `Refusing to overwrite uncommitted changes in ${monorepo} (--force writes anyway):\n${dirty.join('\n')}`
    )
    return 1
  }
  apply(monorepo, changes, Boolean(options.dryRun))
  console.log(
    `export: ${changes.write.length} written, ${changes.remove.length} removed, ${changes.unchanged} unchanged`
  )
  console.log(followUp(modes).join('\n'))
  return options.prBody ? describePrs(monorepo, modes, options) : 0
}

export function configure(command: Command): void {
  command
    .argument('<monorepo>', 'a checkout of segmentio/action-destinations')
    .addOption(
      new Option('--mode <mode>', 'which pull request: cloud (PR 1), device (PR 2) or both')
        .choices(['cloud', 'device', 'both'])
        .default('both')
    )
    .option(
      '--pr-body <file>',
      "write the PR's description there, with the checks measured now (both: one after the other)"
    )
    .option('--cloud-pr <link>', "the cloud-mode PR, for the device-mode PR's description to link")
    .option('--docs-pr <link>', 'the segment-docs PR both descriptions link')
    .option('--force', 'write even over uncommitted changes there')
    .option('--dry-run', 'list what would be written or removed; change nothing')
    .action(async (monorepo: string, options: ExportOptions) => {
      process.exitCode = await exportTo(path.resolve(monorepo), options)
    })
}
