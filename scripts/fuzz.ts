/**
 * Property-based fuzzing of the four Convertro actions through actions-core, against the contract's oracle
 * (test/fuzz/). Each action runs in its own process, as many at once as there are cores.
 *
 *   npm run fuzz                                  100,000 events and 10,000 batches per action, random seed
 *   npm run fuzz -- --runs N --seed S             N events and N/10 batches per action, from seed S
 *   npm run fuzz -- --action trackEvent --jobs 1  one action, one process
 *
 * Ends with `fuzz: N cases, M failures` and exits 1 when M > 0.
 */
import { fork } from 'child_process'
import os from 'os'
import { parseArgs } from 'util'
import fc from 'fast-check'
import pLimit from 'p-limit'
import nock from 'nock'
import { ACTION_KEYS } from '../test/fuzz/oracle'
import type { ActionKey } from '../test/fuzz/oracle'
import { cases, check, interceptNetwork } from '../test/fuzz/property'

interface Summary {
  action: ActionKey
  cases: number
  failures: number
  seconds: number
}

const SHOWN_FAILURES = 3

/** Runs one action's events, then its batches, counting every failing case rather than stopping at the first. */
async function fuzzAction(action: ActionKey, runs: number, seed: number): Promise<Summary> {
  nock.disableNetConnect()
  interceptNetwork()
  const started = Date.now()
  let total = 0
  let failures = 0
  for (const [batch, numRuns] of [
    [false, runs],
    [true, Math.ceil(runs / 10)]
  ] as const) {
    const details = await fc.check(
      fc.asyncProperty(cases(action, batch), async (c) => {
        total++
        const problems = await check(c)
        if (problems.length > 0 && ++failures <= SHOWN_FAILURES) {
          console.error(
            `${action}${batch ? ' (batch)' : ''} case ${total}: ${fc
              .stringify(c)
              .replace(/(.)\1{40,}/g, (run) => `${run[0]}×${run.length}`)
              .slice(0, 4000)}`
          )
          for (const problem of problems) console.error(`  ${problem.slice(0, 4000)}`)
        }
        return true
      }),
      { numRuns, seed }
    )
    // The property itself never fails: a failure here is the harness throwing, which counts as a failure too.
    if (details.failed) {
      failures++
      console.error(`${action}: the fuzz harness failed: ${fc.defaultReportMessage(details)}`.slice(0, 8000))
    }
  }
  return { action, cases: total, failures, seconds: (Date.now() - started) / 1000 }
}

/** One action's run in its own process; a process that dies without a summary counts as one failure of it. */
function runInChild(action: ActionKey, runs: number, seed: number): Promise<Summary> {
  return new Promise((resolve) => {
    const child = fork(__filename, ['--child', action, '--runs', String(runs), '--seed', String(seed)], {
      // Room for the longest request lines the cases make, well past Node's default 16 KB.
      execArgv: ['-r', 'ts-node/register/transpile-only', '--max-http-header-size=1048576']
    })
    let summary: Summary | undefined
    child.on('message', (message) => (summary = message as Summary))
    const started = Date.now()
    const died = (why: string) => {
      console.error(`${action}: the fuzz process ${why} without a summary`)
      resolve({ action, cases: 0, failures: 1, seconds: Math.round((Date.now() - started) / 1000) })
    }
    child.on('error', (error) => died(`failed (${error.message})`))
    child.on('exit', (code) => (summary ? resolve(summary) : died(`exited with ${code}`)))
  })
}

async function main() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '100000' },
      seed: { type: 'string' },
      action: { type: 'string', multiple: true },
      jobs: { type: 'string', default: String(os.availableParallelism()) },
      child: { type: 'string' }
    }
  })
  const runs = Number(values.runs)
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed)
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) throw new Error('--runs and --seed take integers')

  if (values.child) {
    const summary = await fuzzAction(values.child as ActionKey, runs, seed)
    process.send?.(summary)
    return
  }

  const actions = (values.action ?? ACTION_KEYS) as ActionKey[]
  const unknown = actions.filter((action) => !ACTION_KEYS.includes(action))
  if (unknown.length > 0) throw new Error(`unknown action ${unknown.join(', ')}; actions: ${ACTION_KEYS.join(', ')}`)
  console.log(`fuzz: seed ${seed}, ${runs} events and ${Math.ceil(runs / 10)} batches per action`)

  const summaries: Summary[] = []
  const limit = pLimit(Math.max(1, Number(values.jobs)))
  await Promise.all(
    actions.map((action) =>
      limit(async () => {
        const summary = await runInChild(action, runs, seed)
        console.log(`${summary.action}: ${summary.cases} cases, ${summary.failures} failures, ${summary.seconds} s`)
        summaries.push(summary)
      })
    )
  )

  const cases = summaries.reduce((sum, s) => sum + s.cases, 0)
  const failures = summaries.reduce((sum, s) => sum + s.failures, 0)
  if (failures > 0) console.log(`reproduce with: npm run fuzz -- --runs ${runs} --seed ${seed}`)
  console.log(`fuzz: ${cases} cases, ${failures} failures`)
  process.exitCode = failures > 0 ? 1 : 0
}

main().catch((error: unknown) => {
  console.error(error)
  console.log('fuzz: 0 cases, 1 failures')
  process.exitCode = 1
})
