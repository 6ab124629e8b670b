/** How long each scenario runs: the full run for figures worth publishing, the smoke run so CI keeps it working. */
export interface Config {
  smoke: boolean
  /** Rounds per comparison: each gives one ratio, so the spread across rounds is the run-to-run noise. */
  rounds: number
  /** tinybench time budget per task per round, ms. */
  time: number
  iterations: number
  /** Events per batch scenario round. */
  batchEvents: number
  /** Events of the memory scenario's long run (its baseline is always 1,000). */
  memoryEvents: number
  /** Requests per loopback round. */
  loopbackRequests: number
  /** Events per ingest round, posted in batches of 100. */
  ingestEvents: number
  /** Ingest rounds: each starts a server of its own, so they are fewer and longer than tinybench's. */
  ingestRounds: number
  /**
   * Events of the soak scenario, its sampling step (whole batches of 100), the warm-up after each start, and its
   * time limit in minutes.
   */
  soakEvents: number
  soakEvery: number
  soakWarmup: number
  soakMinutes: number
}

export function config(smoke: boolean): Config {
  return smoke
    ? {
        smoke,
        rounds: 10,
        time: 25,
        iterations: 8,
        batchEvents: 200,
        memoryEvents: 10_000,
        loopbackRequests: 300,
        ingestEvents: 200,
        ingestRounds: 3,
        soakEvents: 10_000,
        soakEvery: 1_000,
        soakWarmup: 1_000,
        soakMinutes: 5
      }
    : {
        smoke,
        rounds: 120,
        time: 25,
        iterations: 8,
        batchEvents: 1000,
        memoryEvents: 100_000,
        loopbackRequests: 1000,
        ingestEvents: 500,
        ingestRounds: 15,
        soakEvents: 1_000_000,
        soakEvery: 50_000,
        soakWarmup: 100_000,
        soakMinutes: 120
      }
}
