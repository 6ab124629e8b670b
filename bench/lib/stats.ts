import { Bench } from 'tinybench'

/** One line of the results table. */
export interface Row {
  scenario: string
  figure: string
  /** The figure judged against the target: the median over the rounds of the run. */
  value: number
  /** The middle half of the rounds (25th to 75th percentile): the run-to-run noise, without one-off stalls. */
  low: number
  high: number
  unit: string
  /** Human-readable target, e.g. `≤ 1.2×`; absent for a figure reported for context only. */
  target?: string
  met?: boolean
  /** Absolute figures behind a ratio, so a ratio can be checked against them. */
  detail: string
}

/** The q-quantile (0…1), interpolating between the two nearest values. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const position = (sorted.length - 1) * q
  const below = Math.floor(position)
  const above = Math.min(below + 1, sorted.length - 1)
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below)
}

export const median = (values: number[]) => quantile(values, 0.5)

/** A figure over rounds, judged on its median: one noisy round neither makes nor breaks a target. */
export function figure(
  scenario: string,
  name: string,
  rounds: number[],
  unit: string,
  detail: string,
  target?: { label: string; met: (value: number) => boolean },
  value = median(rounds)
): Row {
  return {
    scenario,
    figure: name,
    value,
    low: quantile(rounds, 0.25),
    high: quantile(rounds, 0.75),
    unit,
    target: target?.label,
    met: target ? target.met(value) : undefined,
    detail
  }
}

export type Task = () => Promise<unknown> | unknown

export interface CompareOptions {
  rounds: number
  /** Time budget per task per round, in ms (tinybench's `time`). */
  time: number
  /** Minimum iterations per task per round (tinybench's `iterations`). */
  iterations: number
  warmup?: boolean
  /** Untimed, before each round's tasks: state both tasks of the round share, fresh for every round. */
  beforeRound?: (round: number) => Promise<void> | void
  /** Untimed, after each round's tasks: checks of what the round did, and its cleanup. */
  afterRound?: (round: number) => Promise<void> | void
}

/**
 * Runs the tasks side by side in each round (order alternating, so neither always runs on a warmer or
 * colder machine) and returns each task's median latency per round, in ms. Ratios are then taken within
 * a round: the machine's load at that moment cancels out.
 */
export async function compare<K extends string>(tasks: Record<K, Task>, options: CompareOptions) {
  const names = Object.keys(tasks) as K[]
  const latencies = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>
  for (let round = 0; round < options.rounds; round++) {
    const bench = new Bench({
      time: options.time,
      iterations: options.iterations,
      // JIT and connections stay warm from one round to the next: only the first needs a warmup.
      warmup: (options.warmup ?? true) && round === 0,
      warmupTime: Math.min(options.time, 200),
      warmupIterations: Math.min(options.iterations, 16),
      throws: true
    })
    const order = round % 2 ? [...names].reverse() : names
    for (const name of order) bench.add(name, tasks[name])
    await options.beforeRound?.(round)
    await bench.run()
    for (const task of bench.tasks) {
      const result = task.result
      if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`)
      latencies[task.name as K].push(result.latency.p50)
    }
    await options.afterRound?.(round)
  }
  return latencies
}

/** Per-round ratios a / b. */
export function ratios(a: number[], b: number[]): number[] {
  return a.map((value, index) => value / b[index])
}

export const fmt = (value: number, digits = 2) =>
  Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(Math.abs(value) >= 10 ? 1 : digits)
