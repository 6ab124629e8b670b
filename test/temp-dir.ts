import fs from 'fs'
import os from 'os'
import path from 'path'

/** The prefix of a run's own temp dir: everything the tests make goes in it, so no other run's files count. */
const RUN_PREFIX = 'convertro-test-run-'
/** What the tests' helpers name their folders: any left at the end is a test that did not clean up. */
const LEFT_PREFIX = 'convertro-'

/**
 * Gives the run a temp dir of its own (TMPDIR, which every worker and every process the tests start inherits),
 * so what is left in it at the end is this run's doing, whatever else runs on the machine.
 */
export function openRunTempDir(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), RUN_PREFIX))
  process.env.CONVERTRO_TEST_TMP_PARENT = os.tmpdir()
  process.env.TMPDIR = dir
}

/** Fails the run, naming them, when the tests left folders of theirs behind; removes the run's temp dir either way. */
export function closeRunTempDir(): void {
  const dir = process.env.TMPDIR
  if (!dir || !path.basename(dir).startsWith(RUN_PREFIX)) return
  const left = fs.readdirSync(dir).filter((name) => name.startsWith(LEFT_PREFIX))
  fs.rmSync(dir, { recursive: true, force: true })
  process.env.TMPDIR = process.env.CONVERTRO_TEST_TMP_PARENT
  if (left.length > 0) {
    throw new Error(`The tests left ${left.length} folder(s) in the temp dir: ${left.sort().join(', ')}`)
  }
  process.stderr.write('Temp dir: the tests left nothing behind\n')
}
