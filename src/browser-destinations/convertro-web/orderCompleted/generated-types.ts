// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The order id (pushed as `id`). Required.
   */
  order_id?: string
  /**
   * The amount pushed is `total` when it is a number or a numeric string, else `revenue`; with neither, no amount is pushed. `repeat` (true or false) tells a repeat customer from a new one; any other value counts as unknown. Read as sent, so a value of the wrong type falls back instead of failing the event.
   */
  order?: {
    [k: string]: unknown
  }
}
