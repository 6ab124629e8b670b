// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The Convertro event type (pushed as `type`). Defaults to the Segment event name.
   */
  event_type: string
  /**
   * The order id (pushed as `id`).
   */
  order_id?: string
  /**
   * The amount pushed is `total` when it is a number or a numeric string such as "50.99", else `revenue`; with neither, no amount is pushed. Read as sent, so a non-numeric value falls back instead of failing the event.
   */
  value?: {
    [k: string]: unknown
  }
}
