import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import type { Config } from '../lib/config'
import { figure, fmt, median, ratios } from '../lib/stats'
import type { Row } from '../lib/stats'

const TARGET = 1.2
const ROOT = path.join(__dirname, '..', '..')
// The whole source tree, so the definition's imports outside its folder (src/shared/) compile too.
const SOURCE = path.join(ROOT, 'src')
// Inside node_modules so the compiled files resolve the product's dependencies, and git never sees them.
const OUT = path.join(ROOT, 'node_modules/.cache/convertro-bench/src')

/** The definition compiled to JavaScript, as Segment's runtime loads it, without ts-node's cost. */
function compileDefinition(): string {
  fs.rmSync(OUT, { recursive: true, force: true })
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true }
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== '__tests__') walk(file)
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const target = path.join(OUT, path.relative(SOURCE, file)).replace(/\.ts$/, '.js')
        fs.mkdirSync(path.dirname(target), { recursive: true })
        fs.writeFileSync(target, ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions }).outputText)
      }
    }
  }
  walk(SOURCE)
  return path.join(OUT, 'destinations/convertro')
}

/** ms to require `specifier` in a fresh Node process (process start-up itself excluded). */
function importTime(specifier: string): number {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(
    specifier
  )}); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6))`
  return Number(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' }))
}

/** Importing the destination definition against importing `@segment/actions-core` alone, each in its own process. */
export function startup(cfg: Config): Row[] {
  const definition = compileDefinition()
  const core: number[] = []
  const ours: number[] = []
  importTime('@segment/actions-core')
  for (let round = 0; round < Math.min(cfg.rounds, 25); round++) {
    // Alternate which goes first, so neither always meets a warmer file cache.
    if (round % 2) {
      ours.push(importTime(definition))
      core.push(importTime('@segment/actions-core'))
    } else {
      core.push(importTime('@segment/actions-core'))
      ours.push(importTime(definition))
    }
  }
  return [
    figure(
      'startup',
      'import definition / import actions-core',
      ratios(ours, core),
      '×',
      `${fmt(median(ours))} ms vs ${fmt(median(core))} ms`,
      { label: `≤ ${TARGET}×`, met: (ratio) => ratio <= TARGET }
    )
  ]
}
