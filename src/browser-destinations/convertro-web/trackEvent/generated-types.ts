// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The Convertro event type (pushed as `type`). Defaults to the Segment event name.
   */
  event_type: string
  /**
   * The order ID (pushed as `id`).
   */
  order_id?: string
  /**
   * The amount pushed is `total` when it is a number such as 50.99 or "50.99", else `revenue`; with neither, no amount is pushed and the event is still sent. Unlike cloud mode, `total` is read first.
   */
  value?: {
    [k: string]: unknown
  }
}
