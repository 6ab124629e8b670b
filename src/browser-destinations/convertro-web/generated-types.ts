// Generated file. DO NOT MODIFY IT BY HAND.

export interface Settings {
  /**
   * Your Convertro account name: live.js is loaded for this account.
   */
  account: string
  /**
   * When on, an Order Completed with a boolean `repeat` property sends a plain `sale` as well as `sale.repeat` or `sale.new`.
   */
  hybridAttributionModel?: boolean
}
