// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The Convertro event type (sent as `typ`). Defaults to the Segment event name.
   */
  event_type: string
  /**
   * `revenue` is sent as the event value (`val`) when it is a number or a numeric string such as "50.99"; otherwise the value is 1. Read as sent, so a non-numeric value falls back instead of failing the event.
   */
  value?: {
    [k: string]: unknown
  }
  /**
   * The order id (sent as `eid`).
   */
  order_id?: string
  /**
   * Identifies the device to Convertro (sent as `sid`). Required by Convertro on every call.
   */
  device_id?: string
  /**
   * When the event happened. Sent as whole Unix seconds (`ts`), truncated.
   */
  timestamp: string | number
  /**
   * User agent of the device (sent as `cua`).
   */
  user_agent?: string
  /**
   * IP address of the device (sent as `cip`).
   */
  ip?: string
  /**
   * When enabled, Segment delivers events to this action in batches. Convertro takes one event per call, so each event still gets its own calls and its own result.
   */
  enable_batching?: boolean
  /**
   * Most events Segment delivers in one batch.
   */
  batch_size?: number
}
