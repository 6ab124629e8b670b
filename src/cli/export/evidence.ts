import fs from 'fs'
import path from 'path'
import type { AnyDefinition } from '../lib/definition'
import { PROJECT_ROOT } from '../lib/paths'
import type { Check, Evidence, Provenance } from './checks'
import { inTempDir, projectRevision } from './checks'
import { cloudEndToEnd, domainCheck } from './cloud-run'
import { deviceEndToEnd } from './device-run'
import { LAYOUTS } from './layout'
import type { Mode } from './layout'
import { startLocalServer } from './local-server'
import type { LocalServer } from './local-server'
import { scenariosCheck } from './scenarios-check'
import { jestCheck, validateCheck } from './unit-checks'

const versionOf = (pkg: string) =>
  (
    JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as {
      version: string
    }
  ).version

/** When the checks ran, from which commit of the project, with which test toolchain. */
export async function provenance(): Promise<Provenance> {
  return {
    at: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    revision: await projectRevision(),
    toolchain: ['jest', 'ts-jest', 'nock', 'typescript'].map((pkg) => `${pkg} ${versionOf(pkg)}`).join(', ')
  }
}

/** A check that could not run because the local server did not start. */
const unserved = (command: string, error: Error): Check => ({
  command,
  ok: false,
  summary: `could not run: ${error.message}`,
  details: []
})

/** The end-to-end checks of one mode against the local server. */
async function endToEnd(server: LocalServer | Error, mode: Mode, definition: AnyDefinition) {
  const run = mode === 'cloud' ? cloudEndToEnd : deviceEndToEnd
  if (server instanceof Error) {
    const failed = unserved('bin/run serve', server)
    if (mode !== 'cloud') return { endToEnd: failed }
    return { endToEnd: failed, domain: failed, scenarios: await scenariosCheck() }
  }
  if (mode !== 'cloud') return { endToEnd: await run(server, definition) }
  return {
    endToEnd: await run(server, definition),
    domain: await domainCheck(server),
    scenarios: await scenariosCheck()
  }
}

/**
 * Runs each mode's checks, one at a time (the tests first, then one local server for the end-to-end runs), and
 * returns what they showed.
 */
export async function measure(
  modes: Mode[],
  definitions: Record<Mode, AnyDefinition>
): Promise<Record<Mode, Evidence>> {
  const tested: ({ mode: Mode } & Pick<Evidence, 'unit' | 'validate'>)[] = []
  for (const mode of modes) {
    tested.push({ mode, unit: await jestCheck(LAYOUTS[mode]), validate: await validateCheck(LAYOUTS[mode]) })
  }
  return inTempDir(async (dir) => {
    const server = await startLocalServer(dir).catch((error: Error) => error)
    try {
      const evidence: Partial<Record<Mode, Evidence>> = {}
      for (const { mode, ...checks } of tested) {
        evidence[mode] = { ...checks, ...(await endToEnd(server, mode, definitions[mode])) }
      }
      return evidence as Record<Mode, Evidence>
    } finally {
      if (!(server instanceof Error)) await server.stop()
    }
  })
}
