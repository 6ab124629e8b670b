import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { config } from './lib/config'
import { fmt } from './lib/stats'
import type { Row } from './lib/stats'
import { batch } from './scenarios/batch'
import { bundle } from './scenarios/bundle'
import { ingest } from './scenarios/ingest'
import { loopback } from './scenarios/loopback'
import { memory } from './scenarios/memory'
import { perEvent } from './scenarios/per-event'
import { ensurePeers, peer } from './scenarios/peer'
import { startup } from './scenarios/startup'

function machine() {
  const cpus = os.cpus()
  return {
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    loadAverageAtStart: os.loadavg().map((load) => Number(load.toFixed(2)))
  }
}

/** The table as Markdown, so a run's output can go into docs/benchmarks.md as printed. */
function table(rows: Row[]): string {
  const header = ['scenario', 'figure', 'value', 'spread (p25–p75)', 'target', 'result', 'measured']
  const lines = rows.map((row) => [
    row.scenario,
    row.figure,
    `${fmt(row.value)} ${row.unit}`,
    `${fmt(row.low)}–${fmt(row.high)} ${row.unit}`,
    row.target ?? '',
    row.met === undefined ? '' : row.met ? 'met' : 'MISSED',
    row.detail
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)))
  const render = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`
  return [render(header), render(widths.map((width) => '-'.repeat(width))), ...lines.map(render)].join('\n')
}

async function main() {
  const smoke = process.argv.includes('--smoke')
  // `--only <scenario>`: one scenario at a time, to re-measure it while working on what it measures.
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined
  const cfg = config(smoke)
  const started = Date.now()
  const host = machine()
  console.log(
    `bench${smoke ? ' --smoke' : ''}: Node ${host.node}, ${host.cpus} × ${
      host.cpuModel
    }, load ${host.loadAverageAtStart.join(' ')}`
  )
  if (!only || only === 'peer') ensurePeers()

  const scenarios: [string, () => Promise<Row[]> | Row[]][] = [
    ['per-event', () => perEvent(cfg)],
    ['peer', () => peer(cfg)],
    ['batch', () => batch(cfg)],
    ['loopback', () => loopback(cfg)],
    ['ingest', () => ingest(cfg)],
    ['memory', () => memory(cfg)],
    ['startup', () => startup(cfg)],
    ['bundle', () => bundle()]
  ]
  if (only && !scenarios.some(([name]) => name === only)) throw new Error(`no scenario "${only}"`)
  const rows: Row[] = []
  const seconds: Record<string, number> = {}
  for (const [name, run] of scenarios) {
    if (only && name !== only) continue
    const t0 = Date.now()
    rows.push(...(await run()))
    seconds[name] = (Date.now() - t0) / 1000
    console.log(`  ${name}: ${seconds[name].toFixed(1)} s`)
  }

  const met = rows.filter((row) => row.met === true).length
  const missed = rows.filter((row) => row.met === false).length
  const totalSeconds = (Date.now() - started) / 1000
  console.log(`\n${table(rows)}\n`)
  // A smoke or single-scenario run must not overwrite a full run's figures.
  const file = path.join(__dirname, smoke || only ? 'results.smoke.json' : 'results.json')
  const results = {
    date: new Date().toISOString(),
    smoke,
    machine: host,
    config: cfg,
    seconds,
    totalSeconds,
    rows,
    met,
    missed
  }
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
  console.log(`results: ${path.relative(process.cwd(), file)} (${totalSeconds.toFixed(0)} s)`)
  console.log(`bench: ${met} met, ${missed} missed`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
