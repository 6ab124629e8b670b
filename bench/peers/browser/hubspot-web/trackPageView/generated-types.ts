// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The path of the current page. The set path will be treated as relative to the current domain being viewed.
   */
  path?: string
}
