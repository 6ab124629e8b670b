import type { GlobalSetting } from '@segment/actions-core'

/**
 * Convertro's rules that both modes apply: the server destination when it builds its calls, the browser
 * destination when it pushes to `$CVO`. It depends on actions-core alone, which both destinations carry.
 */

/** Each action's default trigger; trackEvent leaves the events that have their own action alone. */
export const TRIGGERS = {
  identifyUser: 'type = "identify"',
  trackEvent: 'type = "track" and event != "Order Completed" and event != "Application Installed"',
  orderCompleted: 'type = "track" and event = "Order Completed"',
  appInstalled: 'type = "track" and event = "Application Installed"'
}

/** A setting with no value: absent, or text that is only white space. */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
}

/** `.` and `..` as a path segment: URL parsers resolve them away, so a request would go to another path. */
export const isDotSegment = (value: string) => value === '.' || value === '..'

// A plain decimal literal: no sign but minus, no spaces, no exponent, no leading dot.
const DECIMAL = /^-?\d+(?:\.\d+)?$/

/** A finite number or a plain decimal string ("50.99", "-3") counts as an amount; anything else is absent. */
export function isAmount(value: unknown): value is number | string {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && DECIMAL.test(value))
}

/**
 * Convertro's sale types for an order, in the order they are sent (see the attribution table below):
 * `sale.repeat` / `sale.new` when `repeat` is a real boolean (the string "true" is not one), plus a plain
 * `sale` under the hybrid attribution model; a plain `sale` alone when `repeat` is anything else. Only a real
 * `true` turns the hybrid model on: settings that skipped validation may hold "false" or 1.
 *
 * | repeat               | hybrid off    | hybrid on             |
 * | -------------------- | ------------- | --------------------- |
 * | true                 | `sale.repeat` | `sale.repeat`, `sale` |
 * | false                | `sale.new`    | `sale.new`, `sale`    |
 * | absent / not boolean | `sale`        | `sale`                |
 */
export function saleTypes(repeat: unknown, hybridAttributionModel: unknown): string[] {
  if (typeof repeat !== 'boolean') return ['sale']
  const specific = repeat ? 'sale.repeat' : 'sale.new'
  return hybridAttributionModel === true ? [specific, 'sale'] : [specific]
}

/** The setting that turns the attribution table's hybrid column on, the same in both modes. */
export const hybridAttributionModel: GlobalSetting = {
  label: 'Hybrid Attribution Model',
  description:
    'When on, an Order Completed that says whether the customer is new or repeat (a true or false `repeat` property) is also sent as a plain `sale`, besides `sale.new` or `sale.repeat`.',
  type: 'boolean',
  default: false
}

/** Where an order's amount (`total`, else `revenue`) and `repeat` come from. */
export const ORDER_MAPPING = {
  total: { '@path': '$.properties.total' },
  revenue: { '@path': '$.properties.revenue' },
  repeat: { '@path': '$.properties.repeat' }
}
