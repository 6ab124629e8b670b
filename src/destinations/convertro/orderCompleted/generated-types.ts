// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The order id (sent as `eid`). Required.
   */
  order_id?: string
  /**
   * The amount sent (`val`) is `total` when it is a number or a numeric string, else `revenue`, else 1. `repeat` (true or false) tells a repeat customer from a new one; any other value counts as unknown. Read as sent, so a value of the wrong type falls back instead of failing the event.
   */
  order?: {
    [k: string]: unknown
  }
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
