// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The user ID (pushed as `id`). Without it nothing is pushed.
   */
  user_id?: string
  /**
   * Traits pushed with the user id. A trait named `id` does not replace the user id.
   */
  traits?: {
    [k: string]: unknown
  }
}
