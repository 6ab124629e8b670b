import { TRIGGERS as SERVER_TRIGGERS } from '../../shared/convertro-rules'

/** Convertro's CDN: `live.js` is served per account, at `/{account}/live.js`. */
export const LIVE_JS_ORIGIN = 'https://d1ivexoxmp59q7.cloudfront.net'

/** How often readiness is checked while live.js loads. */
export const READY_POLL_MS = 100

/**
 * Each action's default trigger. Device mode has no app install action, so its trackEvent takes
 * "Application Installed" too, as the classic destination's live.js integration did.
 */
export const TRIGGERS = {
  identifyUser: SERVER_TRIGGERS.identifyUser,
  trackEvent: 'type = "track" and event != "Order Completed"',
  orderCompleted: SERVER_TRIGGERS.orderCompleted
}
