/** How often and how patiently retryable failures (408, 429, 5xx, no answer) are tried again. */
export interface RetryPolicy {
  /** Tries after the first one. */
  retries: number
  /** Wait before the first retry; each later one waits twice as long, up to `maxDelayMs`. */
  delayMs: number
  maxDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, delayMs: 1000, maxDelayMs: 30_000 }

/** The wait before retry number `retry` (1 for the first retry): capped exponential backoff. */
export function backoff(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.delayMs * 2 ** (retry - 1))
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
