// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The event name.
   */
  event: string
  /**
   * Properties to send with the event.
   */
  properties?: {
    [k: string]: unknown
  }
}
