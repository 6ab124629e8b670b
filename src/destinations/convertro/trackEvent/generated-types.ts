// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The Convertro event type (sent as `typ`). Defaults to the Segment event name.
   */
  event_type: string
  /**
   * Its `revenue` is sent as the event value (`val`) when it is a number such as 50.99 or "50.99"; otherwise the value is 1, and the event is still sent. Unlike device mode, `total` is not read here.
   */
  value?: {
    [k: string]: unknown
  }
  /**
   * The order ID (sent as `eid`).
   */
  order_id?: string
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
