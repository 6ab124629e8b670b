/**
 * The attribution table (the table on `saleTypes` in the rules), written once for both modes'
 * tests: an Order Completed's `repeat` property and the hybridAttributionModel setting, and the Convertro sale
 * types it makes, in order (the specific one first). Server mode sends one `hit` per type, device mode pushes
 * one `trackEvent` per type. Only a real boolean `repeat` counts: the rows after the first six check that.
 */

/** `repeat` as the event sends it (undefined: not sent), the hybrid setting, and the sale types in order. */
type AttributionRow = [repeat: boolean | string | number | null | undefined, hybrid: boolean, types: string[]]

export const ATTRIBUTION_TABLE: AttributionRow[] = [
  [true, false, ['sale.repeat']],
  [false, false, ['sale.new']],
  [undefined, false, ['sale']],
  [true, true, ['sale.repeat', 'sale']],
  [false, true, ['sale.new', 'sale']],
  [undefined, true, ['sale']],
  ['true', false, ['sale']],
  ['true', true, ['sale']],
  ['false', true, ['sale']],
  [1, true, ['sale']],
  [null, true, ['sale']]
]
