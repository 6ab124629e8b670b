import path from 'path'
import { BROWSER_DESTINATION_DIR, SERVER_DESTINATION_DIR } from '../destinations'
import { PROJECT_ROOT } from '../lib/paths'

/** Which destination a pull request carries: each mode goes to Segment in a pull request of its own. */
export type Mode = 'cloud' | 'device'

export const MODES: readonly Mode[] = ['cloud', 'device']

/** The monorepo's pull request template, which `--pr-body` fills in. */
export const PR_TEMPLATE = '.github/PULL_REQUEST_TEMPLATE.md'

/** The rules both modes apply, and their test: each destination gets a copy, so neither PR needs the other. */
export const RULES = 'src/shared/convertro-rules.ts'
export const RULES_TEST = 'src/shared/__tests__/convertro-rules.test.ts'
export const ATTRIBUTION = 'src/shared/__tests__/__helpers__/attribution.ts'

/** Where one mode's destination comes from in the project and goes to in the monorepo. */
export interface Layout {
  mode: Mode
  /** The destination's folder in the project, from its root. */
  source: string
  /** The destination's folder in the monorepo: the one export owns, and removes stale files from. */
  target: string
  /** Where the source files go: the folder itself, or a browser package's `src/`. */
  code: string
  /** The copies of the shared files, by their path in the project. */
  shared: Record<string, string>
}

const relative = (dir: string) => path.relative(PROJECT_ROOT, dir)

function layout(mode: Mode, source: string, target: string, code: string, attribution: string): Layout {
  const shared = {
    [RULES]: path.join(code, 'convertro-rules.ts'),
    [RULES_TEST]: path.join(code, '__tests__/convertro-rules.test.ts'),
    [ATTRIBUTION]: path.join(code, attribution)
  }
  return { mode, source, target, code, shared }
}

const CLOUD_TARGET = `packages/destination-actions/src/destinations/${path.basename(SERVER_DESTINATION_DIR)}`
const DEVICE_TARGET = `packages/browser-destinations/destinations/${path.basename(BROWSER_DESTINATION_DIR)}`

/**
 * destination-actions' jest skips `__tests__/__helpers__/`; browser-destinations' runs every file under `__tests__`
 * as a suite, so there the attribution table sits beside the source, as test-utils.ts does.
 */
export const LAYOUTS: Record<Mode, Layout> = {
  cloud: layout(
    'cloud',
    relative(SERVER_DESTINATION_DIR),
    CLOUD_TARGET,
    CLOUD_TARGET,
    '__tests__/__helpers__/attribution.ts'
  ),
  device: layout(
    'device',
    relative(BROWSER_DESTINATION_DIR),
    DEVICE_TARGET,
    `${DEVICE_TARGET}/src`,
    'test-attribution.ts'
  )
}

/** The modes `--mode` names: `cloud`, `device`, or `both` (cloud first, the order of the pull requests). */
export function modesOf(option: string | undefined): Mode[] {
  if (option === undefined || option === 'both') return [...MODES]
  if ((MODES as string[]).includes(option)) return [option as Mode]
  throw new Error(`--mode must be cloud, device or both, not ${JSON.stringify(option)}`)
}
