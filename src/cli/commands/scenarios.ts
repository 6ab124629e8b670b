import fs from 'fs'
import path from 'path'
import type { Command } from 'commander'
import { wholeNumber } from '../lib/options'
import { STATE_DIR } from '../lib/paths'
import { MATRIX_TIMEOUT_MS, runMatrix } from '../lab/matrix'
import { renderMatrix } from '../lab/render'

const DEFAULT_OUT = path.relative(process.cwd(), path.join(STATE_DIR, 'scenarios.md'))

interface ScenariosFlags {
  json?: boolean
  out: string
  timeout: number
}

async function scenarios({ json, out, timeout }: ScenariosFlags): Promise<void> {
  const started = Date.now()
  const matrix = await runMatrix(timeout)
  const markdown = renderMatrix(matrix)
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true })
  fs.writeFileSync(out, `${markdown}\n`)
  if (json) console.log(JSON.stringify(matrix.entries, null, 2))
  else console.log(markdown)
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  // Beside the output, which stays the same from run to run.
  console.error(`${matrix.entries.length} runs in ${seconds} s; the matrix is written to ${out}`)
}

export function configure(command: Command): void {
  command
    .option('--json', 'print the runs as one JSON array instead of the matrix')
    .option('-o, --out <file>', 'where to write the matrix as Markdown', DEFAULT_OUT)
    .option(
      '--timeout <ms>',
      'the request limit: a timeout is an answer slower than this',
      wholeNumber(1, 60_000, 'a whole number of milliseconds from 1 to 60000'),
      MATRIX_TIMEOUT_MS
    )
    .action(scenarios)
}
