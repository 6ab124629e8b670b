import { RetryableError } from '@segment/actions-core'

/** How often and how patiently failures Segment would retry (see `retried`) are tried again. */
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

/** What the retry options' help says is retried. */
export const RETRIED = '408, 423, 429, 5xx but 501, no answer'

/**
 * Whether Segment's runtime retries an error of this status, by the rule actions-core documents on its errors
 * (packages/core/src/errors.ts): a 4xx is not retried except 408, 423 and 429; a 5xx is, except 501.
 */
export function retriedStatus(status: number): boolean {
  if (status === 408 || status === 423 || status === 429) return true
  return status >= 500 && status <= 599 && status !== 501
}

/** Node's codes for a request that got no answer: nothing reached the other end, or nothing came back. */
const NO_ANSWER = new Set([
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN'
])

/**
 * Whether Segment's runtime would retry an event that failed with this error: a RetryableError, an error with a
 * status it retries (see `retriedStatus`), and a request that got no answer (a timeout, a refused or reset
 * connection). Anything else, a status-less error of the code's own included, is final. The local tools retry
 * exactly these, and say so.
 */
export function retried(error: unknown): boolean {
  if (error instanceof RetryableError) return true
  const { status, code } = (error ?? {}) as { status?: unknown; code?: unknown }
  if (typeof status === 'number') return retriedStatus(status)
  return typeof code === 'string' && NO_ANSWER.has(code)
}
