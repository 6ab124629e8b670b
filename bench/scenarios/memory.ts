import { execFileSync } from 'node:child_process'
import path from 'node:path'
import type { Config } from '../lib/config'
import { figure, fmt } from '../lib/stats'
import type { Row } from '../lib/stats'

const TARGET_MB = 10
const MB = 1024 * 1024

/**
 * Heap after the long run against heap after 1,000 events, GC forced. The value is the growth at the last
 * checkpoint; the spread is over the last five checkpoints, where a leak shows as a steady climb.
 */
export function memory(cfg: Config): Row[] {
  const output = execFileSync(
    process.execPath,
    [
      '--expose-gc',
      '-r',
      'ts-node/register/transpile-only',
      path.join(__dirname, 'memory-child.ts'),
      String(cfg.memoryEvents)
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1024 * 1024 }
  )
  const result = JSON.parse(output) as {
    baselineEvents: number
    baseline: number
    checkpoints: number[]
    heap: number[]
    requests: number
  }
  const growth = result.heap.map((heap) => (heap - result.baseline) / MB)
  const last = growth[growth.length - 1]
  return [
    figure(
      'memory',
      `heap growth, ${result.checkpoints[result.checkpoints.length - 1]} vs ${result.baselineEvents} events`,
      growth,
      'MB',
      `${fmt(result.baseline / MB)} MB after ${result.baselineEvents}, ${fmt(
        result.heap[result.heap.length - 1] / MB
      )} MB after ${result.checkpoints[result.checkpoints.length - 1]}; checkpoints ${growth
        .map((g) => fmt(g))
        .join(', ')} MB; ${result.requests} requests answered`,
      { label: `≤ ${TARGET_MB} MB`, met: (value) => value <= TARGET_MB },
      last
    )
  ]
}
