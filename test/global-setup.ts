import { chooseChromium, describeChoice, recordNoChromium } from './chromium'
import { openRunTempDir } from './temp-dir'

/** Chooses the browser tests' Chromium once per run and says which, before any suite starts. */
export default async function globalSetup(): Promise<void> {
  let line: string
  try {
    line = `Browser tests: ${describeChoice(await chooseChromium())}`
  } catch (error) {
    recordNoChromium(error)
    line = `Browser tests: ${error instanceof Error ? error.message : String(error)}; their suites will fail`
  }
  // stderr, where jest reports: stdout may carry --json results.
  process.stderr.write(`\n${line}\n`)
  openRunTempDir()
}
