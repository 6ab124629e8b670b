import fs from 'fs'
import path from 'path'
import { loadDefinition } from '../destinations'
import { PROJECT_ROOT } from '../lib/paths'
import { failedChecks } from './checks'
import { measure, provenance } from './evidence'
import { LAYOUTS, MODES, PR_TEMPLATE } from './layout'
import type { Mode } from './layout'
import { renderBody } from './pr-body'
import type { PrContext } from './pr-text'

export interface PrDescriptionOptions {
  file: string
  links: PrContext['links']
}

/** How the monorepo regenerates a destination's metadata.json: its package.json script, else its CLI command. */
function metadataCommand(monorepo: string): string {
  const { scripts = {} } = JSON.parse(fs.readFileSync(path.join(monorepo, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>
  }
  return 'generate:metadata-payload' in scripts
    ? 'yarn generate:metadata-payload'
    : './bin/run generate:metadata-payload'
}

/**
 * Measures each mode's checks and writes its PR's description into `file` (with both modes, cloud's then device's,
 * one after the other); returns the checks that failed, which the descriptions say too.
 */
export async function writePrDescriptions(monorepo: string, modes: Mode[], options: PrDescriptionOptions) {
  const template = fs.readFileSync(path.join(monorepo, PR_TEMPLATE), 'utf8')
  const definitions = Object.fromEntries(
    await Promise.all(
      MODES.map(async (mode) => [mode, await loadDefinition(path.join(PROJECT_ROOT, LAYOUTS[mode].source))])
    )
  ) as Record<Mode, Awaited<ReturnType<typeof loadDefinition>>>
  const measured = await provenance()
  const evidence = await measure(modes, definitions)
  const bodies = modes.map((mode) => {
    const other = definitions[mode === 'cloud' ? 'device' : 'cloud']
    const context: PrContext = {
      mode,
      layout: LAYOUTS[mode],
      definition: definitions[mode],
      other,
      links: options.links,
      metadataCommand: metadataCommand(monorepo)
    }
    return renderBody(template, context, evidence[mode], measured)
  })
  fs.writeFileSync(options.file, bodies.join('\n'))
  return modes.flatMap((mode) => failedChecks(evidence[mode]).map((check) => ({ mode, ...check })))
}
