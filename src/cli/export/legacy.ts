import crypto from 'crypto'
import fs from 'fs'
import path from 'path'
import { execFileSync } from 'child_process'
import { PROJECT_ROOT } from '../lib/paths'
import { LAYOUTS, RULES } from './layout'
import type { Mode } from './layout'

/**
 * What an earlier export wrote into packages/actions-shared, before each destination got its own copy of the rules:
 * the rules file, and one line in the package's index. Nothing writes there any more; this takes them out again,
 * but only where they are provably the project's.
 */
export const LEGACY_RULES = 'packages/actions-shared/src/convertro/convertro-rules.ts'
export const LEGACY_INDEX = 'packages/actions-shared/src/index.ts'
export const LEGACY_LINE = "export * from './convertro/convertro-rules'"

export interface LegacyCleanup {
  /** Files to remove. */
  remove: string[]
  /** Files to write, with their new content (the index without its line). */
  write: [string, string][]
  /** What was found and left, and why. */
  notes: string[]
}

const blobId = (text: Buffer) => crypto.createHash('sha1').update(`blob ${text.length}\0`).update(text).digest('hex')

/** The git blob ids the rules file has had in the project (any branch), and its content now. */
function projectVersions(): Set<string> {
  const ids = new Set([blobId(fs.readFileSync(path.join(PROJECT_ROOT, RULES)))])
  try {
    const log = execFileSync(
      'git',
      ['-C', PROJECT_ROOT, 'log', '--all', '--raw', '--no-abbrev', '--format=', '--', RULES],
      {
        encoding: 'utf8'
      }
    )
    for (const line of log.split('\n'))
      line
        .split(/\s+/)
        .slice(2, 4)
        .forEach((id) => /^[0-9a-f]{40}$/.test(id) && ids.add(id))
  } catch {
    // Not a git checkout: only the content it has now counts.
  }
  return ids
}

/** The other mode's destination as an earlier export left it there, importing the rules from actions-shared. */
function stillImporting(monorepo: string, modes: Mode[]): string[] {
  return (['cloud', 'device'] as Mode[])
    .filter((mode) => !modes.includes(mode))
    .filter((mode) => {
      const dir = path.join(monorepo, LAYOUTS[mode].code)
      if (!fs.existsSync(dir)) return false
      return fs
        .readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((file) => /\.tsx?$/.test(file) && !file.split(path.sep).includes('node_modules'))
        .some((file) => fs.readFileSync(path.join(dir, file), 'utf8').includes("'@segment/actions-shared'"))
    })
}

const isLegacyLine = (line: string) => line.replace(/\r$/, '') === LEGACY_LINE

/** Why what is there must stay, or undefined when it is the project's and nothing else needs it. */
function reasonToKeep(monorepo: string, modes: Mode[], hasFile: boolean, otherLines: string[]): string | undefined {
  if (hasFile && !projectVersions().has(blobId(fs.readFileSync(path.join(monorepo, LEGACY_RULES))))) {
    return `${LEGACY_RULES} is not a version of the project's ${RULES}, so it is not known to be the project's`
  }
  if (otherLines.length > 0) {
    return `${LEGACY_INDEX} names it in a line export never wrote: ${otherLines.map((line) => line.trim()).join('; ')}`
  }
  const importing = stillImporting(monorepo, modes)
  if (importing.length > 0) {
    const mode = importing.join(' and ')
    return `the ${mode} destination there still imports it from @segment/actions-shared (export --mode ${mode} replaces it)`
  }
  return undefined
}

/** The earlier export's rules file and index line, to remove when they are the project's, or why they stay. */
export function legacyCleanup(monorepo: string, modes: Mode[]): LegacyCleanup {
  const cleanup: LegacyCleanup = { remove: [], write: [], notes: [] }
  const hasFile = fs.existsSync(path.join(monorepo, LEGACY_RULES))
  const indexFile = path.join(monorepo, LEGACY_INDEX)
  const lines = fs.existsSync(indexFile) ? fs.readFileSync(indexFile, 'utf8').split('\n') : []
  const exact = lines.filter(isLegacyLine)
  const otherLines = lines.filter((line) => line.includes('convertro/convertro-rules') && !isLegacyLine(line))
  if (!hasFile && exact.length === 0 && otherLines.length === 0) return cleanup

  const reason = reasonToKeep(monorepo, modes, hasFile, otherLines)
  if (reason) {
    const found = [hasFile && LEGACY_RULES, exact.length > 0 && `the line "${LEGACY_LINE}" in ${LEGACY_INDEX}`]
    cleanup.notes.push(`left ${found.filter(Boolean).join(' and ') || LEGACY_INDEX} as it is: ${reason}`)
    return cleanup
  }
  if (hasFile) cleanup.remove.push(LEGACY_RULES)
  if (exact.length > 0) cleanup.write.push([LEGACY_INDEX, lines.filter((line) => !isLegacyLine(line)).join('\n')])
  return cleanup
}
