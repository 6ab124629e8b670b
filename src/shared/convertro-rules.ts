import type { GlobalSetting, InputField, Preset } from '@segment/actions-core'
import { defaultValues } from '@segment/actions-core'

/**
 * Convertro's rules that both modes apply: the server destination when it builds its calls, the browser
 * destination when it pushes to `$CVO`. It depends on actions-core alone, which both destinations carry.
 */

/** Each action's default trigger; trackEvent leaves the events that have their own action alone. */
export const TRIGGERS = {
  identifyUser: 'type = "identify"',
  trackEvent: 'type = "track" and event != "Order Completed" and event != "Application Installed"',
  orderCompleted: 'event = "Order Completed"',
  appInstalled: 'event = "Application Installed"'
}

/** An automatic preset for one of the actions, subscribed to its default trigger, with its default mapping. */
export function preset<K extends keyof typeof TRIGGERS>(
  actions: Record<K, { title: string; fields: Record<string, InputField> }>,
  partnerAction: K
): Preset {
  return {
    name: actions[partnerAction].title,
    subscribe: TRIGGERS[partnerAction],
    partnerAction,
    mapping: defaultValues(actions[partnerAction].fields),
    type: 'automatic'
  }
}

/** A setting with no value: absent, or text that is only white space. */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
}

/** `.` and `..` as a path segment: URL parsers resolve them away, so a request would go to another path. */
export const isDotSegment = (value: string) => value === '.' || value === '..'

/** Convertro's sale event types (see the attribution table in the README). */
export const SALE = 'sale'
export const SALE_REPEAT = 'sale.repeat'
export const SALE_NEW = 'sale.new'

// A plain decimal literal: no sign but minus, no spaces, no exponent, no leading dot.
const DECIMAL = /^-?\d+(?:\.\d+)?$/

/** A finite number or a plain decimal string ("50.99", "-3") counts as an amount; anything else is absent. */
export function isAmount(value: unknown): value is number | string {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && DECIMAL.test(value))
}

/** The first candidate that counts as an amount, as it was sent; undefined when none does. */
export function chooseAmount(...candidates: unknown[]): number | string | undefined {
  return candidates.find(isAmount)
}

/** Where an order's amount can come from, in the order they are tried: `total`, then `revenue`. */
export function amountCandidates(order: { total?: unknown; revenue?: unknown } | undefined): unknown[] {
  return [order?.total, order?.revenue]
}

/** An order's amount: `total`, else `revenue`. */
export function orderAmount(order: { total?: unknown; revenue?: unknown } | undefined): number | string | undefined {
  return chooseAmount(...amountCandidates(order))
}

/** Only a real boolean counts: the string "true" is not one. */
export function readBoolean(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined
}

/**
 * Convertro's sale types for an order: `sale.repeat` / `sale.new` when `repeat` is a boolean, plus a plain
 * `sale` under the hybrid attribution model; a plain `sale` alone when `repeat` is unknown. Only a real `true`
 * turns the hybrid model on: settings that skipped validation may hold "false" or 1.
 */
export function saleTypes(repeat: boolean | undefined, hybridAttributionModel: unknown): string[] {
  if (repeat === undefined) return [SALE]
  const specific = repeat ? SALE_REPEAT : SALE_NEW
  return hybridAttributionModel === true ? [specific, SALE] : [specific]
}

/** The Convertro account, the same setting in both modes; the browser's description says what it loads. */
export const account: GlobalSetting = {
  label: 'Account',
  description: 'Your Convertro account name.',
  type: 'string',
  required: true
}

/** The setting that turns the attribution table's hybrid column on, the same in both modes. */
export const hybridAttributionModel: GlobalSetting = {
  label: 'Hybrid Attribution Model',
  description:
    'When on, an Order Completed with a boolean `repeat` property sends a plain `sale` as well as `sale.repeat` or `sale.new`.',
  type: 'boolean',
  default: false
}

/** Where an order's amount candidates and `repeat` come from, read as sent (see the attribution table). */
export const ORDER_MAPPING = {
  total: { '@path': '$.properties.total' },
  revenue: { '@path': '$.properties.revenue' },
  repeat: { '@path': '$.properties.repeat' }
}
