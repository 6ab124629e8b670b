// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * Name of the installed app (sent as `app`).
   */
  app_name?: string
  /**
   * Version of the installed app (sent as `apv`).
   */
  app_version?: string
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
