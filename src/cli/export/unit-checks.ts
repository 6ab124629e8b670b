import fs from 'fs'
import path from 'path'
import { loadDefinition } from '../destinations'
import { PROJECT_ROOT } from '../lib/paths'
import { validateProject } from '../commands/validate'
import { guarded, inTempDir, runInProject, secondsSince } from './checks'
import type { Check } from './checks'
import { RULES_TEST } from './layout'
import type { Layout } from './layout'

/** What jest's `--json` report holds that the description uses. */
interface JestReport {
  success: boolean
  numPassedTests: number
  numFailedTests: number
  numTotalTests: number
  numTotalTestSuites: number
  numFailedTestSuites: number
  testResults: {
    name: string
    status: string
    message: string
    assertionResults: { fullName: string; status: string }[]
  }[]
}

/** The failed tests by name, or a failed suite's first line of message when it failed before any test ran. */
function failures(report: JestReport): string[] {
  return report.testResults.flatMap((suite) => {
    const failed = suite.assertionResults.filter((test) => test.status === 'failed').map((test) => test.fullName)
    const file = path.relative(PROJECT_ROOT, suite.name)
    if (failed.length > 0) return failed.map((name) => `failed: ${file}: ${name}`)
    return suite.status === 'failed' ? [`failed: ${file}: ${suite.message.trim().split('\n')[0]}`] : []
  })
}

/** The destination's tests and the shared rules' test (exported beside it), with jest, as the monorepo runs them. */
export function jestCheck(layout: Layout): Promise<Check> {
  const args = ['jest', layout.source, RULES_TEST, '--ci', '--json']
  const command = `TZ=UTC npx ${args.join(' ')}`
  return guarded(command, () =>
    inTempDir(async (dir) => {
      const report = path.join(dir, 'jest.json')
      const started = Date.now()
      const run = await runInProject('npx', [...args, `--outputFile=${report}`], { TZ: 'UTC' })
      if (!fs.existsSync(report)) throw new Error(`jest wrote no report (exit ${run.code}): ${run.stderr.trim()}`)
      const result = JSON.parse(fs.readFileSync(report, 'utf8')) as JestReport
      const ok = run.code === 0 && result.success && result.numFailedTests === 0 && result.numTotalTests > 0
      const suites = `${result.numTotalTestSuites} suites, ${result.numFailedTestSuites} failed`
      const summary = `${result.numPassedTests} passed, ${result.numFailedTests} failed (${suites}; ${secondsSince(
        started
      )})`
      return { command, ok, summary, details: failures(result).slice(0, 20) }
    })
  )
}

/** The project's `validate`, for this destination's findings: presets, FQL, defaults, settings, generated types. */
export function validateCheck(layout: Layout): Promise<Check> {
  const command = 'bin/run validate'
  return guarded(command, async () => {
    const started = Date.now()
    const result = await validateProject()
    const own = [...result.errors, ...result.warnings].filter((finding) => finding.destination === layout.source)
    const errors = own.filter((finding) => finding.level === 'error').length
    const definition = await loadDefinition(path.join(PROJECT_ROOT, layout.source))
    const size = `${Object.keys(definition.actions).length} actions, ${definition.presets?.length ?? 0} presets`
    const summary = `${errors} error(s), ${own.length - errors} warning(s) for ${
      layout.source
    } (${size}; ${secondsSince(started)})`
    return { command, ok: errors === 0, summary, details: own.map((f) => `${f.level}: ${f.message}`) }
  })
}
