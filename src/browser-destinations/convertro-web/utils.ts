import { IntegrationError, PayloadValidationError, removeUndefined } from '@segment/actions-core'
import type { ConvertroCommand, ConvertroQueue, TrackEventArgs } from './types'
import { LIVE_JS_ORIGIN } from './constants'
import { isAmount, isBlank, isDotSegment } from '../../shared/convertro-rules'

/** The page's `$CVO` queue, created as an empty array when live.js has not run yet. */
export function convertroQueue(): ConvertroQueue {
  window.$CVO = window.$CVO || ([] as ConvertroCommand[])
  return window.$CVO
}

/** live.js is ready once it has replaced or extended the queue with its own `trackEvent`. */
export function isReady(): boolean {
  return typeof window.$CVO?.trackEvent === 'function'
}

/**
 * Pushes to whatever `window.$CVO` is now, never a reference kept from earlier, since live.js may replace the
 * array. analytics.js holds a destination's events until its initialize has resolved, so under analytics.js
 * pushes reach live.js itself; the plugin run on its own can push sooner, into the array, which live.js runs
 * when it loads.
 */
export function push(command: ConvertroCommand): void {
  convertroQueue().push(command)
}

/** The URL of live.js for an account, the account percent-encoded into its own path segment. */
export function liveJsUrl(account: unknown): string {
  if (isBlank(account)) {
    throw new IntegrationError('Missing required setting: account.', 'INVALID_SETTINGS', 400)
  }
  // Settings reach the browser as the page or Segment's CDN gave them, unchecked.
  if (typeof account !== 'string') {
    throw new IntegrationError(
      'The "account" setting must be text: your Convertro account name.',
      'INVALID_SETTINGS',
      400
    )
  }
  // Resolved away, `.` or `..` would load some other script than this account's.
  if (isDotSegment(account)) {
    throw new IntegrationError(`The "account" setting cannot be "${account}".`, 'INVALID_SETTINGS', 400)
  }
  return `${LIVE_JS_ORIGIN}/${encodeURIComponent(account)}/live.js`
}

/**
 * An order's amount as the number live.js takes: the first candidate that is an amount and stays finite as a
 * number. A decimal string of 400 digits is an amount to the server, which keeps it exact, but here it would
 * become Infinity, so the next candidate is tried instead.
 */
export function toAmount(order: { total?: unknown; revenue?: unknown } | undefined): number | undefined {
  return [order?.total, order?.revenue].filter(isAmount).map(Number).find(Number.isFinite)
}

/**
 * The object with its keys that have no value (undefined, null or '') left out: live.js would otherwise
 * receive `id: null` or `email: ''` as if they were values. Nested undefined values go too; `0` and
 * `false` stay.
 */
export function withValues<T extends object>(args: T): T {
  return Object.fromEntries(
    Object.entries(removeUndefined(args)).filter(([, value]) => value !== null && value !== '')
  ) as T
}

/** A `trackEvent` command, keys with no value left out. */
export function trackEventCommand(args: TrackEventArgs): ConvertroCommand {
  return ['trackEvent', withValues(args)]
}

/**
 * A value read as text: a non-blank string as sent, a finite number as its decimal string, anything else
 * undefined. The browser runtime does not coerce payloads to their field types, so an `order_id` of 1001
 * arrives as a number and an object mapped into a text field arrives as that object.
 */
export function readText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() ? value : undefined
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

/** A mapped value as text (see readText); if there is none, a PayloadValidationError naming field and mapping. */
export function requireMappedText(value: unknown, field: string, mapping: string): string {
  const text = readText(value)
  if (text === undefined) {
    throw new PayloadValidationError(`Missing ${field}, so nothing was pushed to Convertro. Map ${mapping}.`)
  }
  return text
}
