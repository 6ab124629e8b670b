// Generated file. DO NOT MODIFY IT BY HAND.

export interface Settings {
  /**
   * Your Convertro account name.
   */
  account: string
  /**
   * Your Convertro client name: the first path segment of every server call.
   */
  clientName: string
  /**
   * Your Convertro site id: the second path segment of every server call.
   */
  siteId: string
  /**
   * Your Convertro tracking host, e.g. acme.sp1.convertro.com (a host name, optionally with a port). Calls go to https://{domain}/api/…
   */
  domain: string
  /**
   * When on, an Order Completed with a boolean `repeat` property sends a plain `sale` as well as `sale.repeat` or `sale.new`.
   */
  hybridAttributionModel?: boolean
}
