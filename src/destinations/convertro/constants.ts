/** The three Convertro server endpoints: `/api/{kind}/{clientName}/{siteId}/`. */
export const CALL_KINDS = ['user', 'hit', 'install'] as const

/** Plain `http://` is allowed only for these hosts, so local collectors can be used without TLS. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]']

/** 4xx statuses Convertro's contract retries, as it does every 5xx; every other non-2xx answer is final. */
export const RETRYABLE_4XX = new Set([408, 429])

/** Convertro answers errors in plain text; keep enough of it to diagnose without bloating logs. */
export const MAX_ERROR_BODY_LENGTH = 500

/** Convertro takes one event per call: a batch sends this many calls at once, no more. */
export const BATCH_CONCURRENCY = 10

/** Each action's default trigger, shared with the browser destination. */
export { TRIGGERS } from '../../shared/convertro-rules'
