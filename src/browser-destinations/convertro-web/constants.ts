/** Convertro's CDN: `live.js` is served per account, at `/{account}/live.js`. */
export const LIVE_JS_ORIGIN = 'https://d1ivexoxmp59q7.cloudfront.net'

/** How long live.js gets to become ready before the destination reports that it never did. */
export const READY_TIMEOUT_MS = 10_000

/** How often readiness is checked while live.js loads. */
export const READY_POLL_MS = 100
