/** The three Convertro server endpoints: `/api/{kind}/{clientName}/{siteId}/`. */
export const CALL_KINDS = ['user', 'hit', 'install'] as const

/** Convertro answers errors in plain text; keep enough of it to diagnose without bloating logs. */
export const MAX_ERROR_BODY_LENGTH = 500

/** Convertro takes one event per call: a batch sends this many events at once, no more. */
export const BATCH_CONCURRENCY = 10

/**
 * A batch's time limit: no call of a batch outlasts it, and an event whose turn has not come by then is not
 * sent (it gets its own retryable result). So a batch against a Convertro that answers slowly, or not at all,
 * takes no longer than one event waiting out actions-core's default request timeout (10 s).
 */
export const BATCH_TIME_LIMIT_MS = 10_000

/** Each action's default trigger, shared with the browser destination. */
export { TRIGGERS } from '../../shared/convertro-rules'
