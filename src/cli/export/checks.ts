import fs from 'fs'
import os from 'os'
import path from 'path'
import { execFile } from 'child_process'
import { PROJECT_ROOT } from '../lib/paths'

/** One check run for a PR's description: what was run, whether it passed, and what it printed. */
export interface Check {
  /** The command a person would type for the same check. */
  command: string
  ok: boolean
  /** Its figures in one line, e.g. "750 passed, 0 failed (16 suites, 6.1 s)". */
  summary: string
  /** What the check saw, one line each (the requests made, the findings), shown in a code block. */
  details: string[]
  /** A Markdown table to show as it is, after the check's line. */
  table?: string[]
}

/** What one PR's description reports, measured when it is written. */
export interface Evidence {
  unit: Check
  validate: Check
  endToEnd: Check
  /** The `domain` setting's refusals (cloud mode). */
  domain?: Check
  /** Each event's fate against a Convertro that fails on purpose, `bin/run scenarios` (cloud mode). */
  scenarios?: Check
}

/** When, and from what, the checks ran. */
export interface Provenance {
  at: string
  revision: string
  toolchain: string
}

/** Each check's name in a sentence. */
const CHECK_NAMES: Record<keyof Evidence, string> = {
  unit: 'unit tests',
  validate: 'validate',
  endToEnd: 'end-to-end',
  domain: 'domain refusals',
  scenarios: 'failure scenarios'
}

/** The checks that failed, by name, with their summaries. */
export function failedChecks(evidence: Evidence): { name: string; summary: string }[] {
  return (Object.keys(CHECK_NAMES) as (keyof Evidence)[]).flatMap((key) => {
    const check = evidence[key]
    return check && !check.ok ? [{ name: CHECK_NAMES[key], summary: check.summary }] : []
  })
}

/** A check that could not run at all counts as failed, with the reason as its summary. */
export async function guarded(command: string, run: () => Promise<Check>): Promise<Check> {
  try {
    return await run()
  } catch (error) {
    return { command, ok: false, summary: `could not run: ${(error as Error).message.split('\n')[0]}`, details: [] }
  }
}

/** Seconds since `started`, to one decimal. */
export const secondsSince = (started: number) => `${((Date.now() - started) / 1000).toFixed(1)} s`

/** A folder of its own in the temp dir for the duration of `use`, removed afterwards. */
export async function inTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-pr-body-'))
  try {
    return await use(dir)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** Runs a program in the project's folder; resolves with its exit code and output, whatever the code. */
export function runInProject(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {}
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const options = { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }
    execFile(file, args, options, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

/** The project's commit, and whether its files differ from it: the PR's files are exported from them. */
export async function projectRevision(): Promise<string> {
  const head = await runInProject('git', ['rev-parse', '--short', 'HEAD'])
  if (head.code !== 0) return 'the project (not a git checkout)'
  const exported = ['src/destinations', 'src/browser-destinations', 'src/shared']
  const status = await runInProject('git', ['status', '--porcelain', '--', ...exported])
  const changed = status.stdout.trim() ? ` with uncommitted changes in ${exported.join(', ')}` : ''
  return `the project at ${head.stdout.trim()}${changed}`
}
