// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * Traits to associate with the visitor in Koala.
   */
  traits: {
    [k: string]: unknown
  }
}
