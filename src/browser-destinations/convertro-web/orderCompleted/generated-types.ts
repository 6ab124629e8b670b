// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The order ID (pushed as `id`).
   */
  order_id: string
  /**
   * The amount pushed is `total` when it is a number such as 50.99 or "50.99", else `revenue`; with neither, no amount is pushed. `repeat` is true for a repeat customer and false for a new one; anything else counts as unknown. The same keys as in cloud mode.
   */
  order?: {
    [k: string]: unknown
  }
}
