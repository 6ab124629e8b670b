// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The order ID (sent as `eid`).
   */
  order_id: string
  /**
   * The amount sent (`val`) is `total` when it is a number such as 50.99 or "50.99", else `revenue`, else 1. `repeat` is true for a repeat customer and false for a new one; anything else counts as unknown. A value that is not a number leaves the amount to the next key rather than failing the event. The same keys as in device mode.
   */
  order?: {
    [k: string]: unknown
  }
  /**
   * Identifies the device to Convertro (sent as `sid`). Convertro needs it on every call: an event without it is rejected.
   */
  device_id: string
  /**
   * When the event happened. Sent as whole Unix seconds (`ts`), truncated.
   */
  timestamp: string | number
  /**
   * User agent of the device (sent as `cua`).
   */
  user_agent?: string
  /**
   * IP address of the device (sent as `cip`). Events from a server-side source carry the server's IP unless it sets `context.ip`.
   */
  ip?: string
  /**
   * When on, Segment delivers events to this action in batches. Convertro takes one event per call, so batching only sends several events at once; it adds the time Segment takes to gather a batch. Off unless you send more events than one at a time keeps up with.
   */
  enable_batching?: boolean
  /**
   * Maximum number of events in one batch.
   */
  batch_size?: number
}
