// Generated file. DO NOT MODIFY IT BY HAND.

export interface Settings {
  /**
   * Your Convertro client name, given by Convertro with your site ID. Your tracking calls show it as https://{domain}/api/hit/{client name}/{site ID}/.
   */
  clientName: string
  /**
   * Your Convertro site ID, given by Convertro with your client name. Your tracking calls show it as https://{domain}/api/hit/{client name}/{site ID}/.
   */
  siteId: string
  /**
   * Your Convertro tracking host, e.g. acme.sp1.convertro.com: the host name of the calls in Convertro's tracking tag. Calls go to it over https.
   */
  domain: string
  /**
   * When on, an Order Completed that says whether the customer is new or repeat (a true or false `repeat` property) is also sent as a plain `sale`, besides `sale.new` or `sale.repeat`.
   */
  hybridAttributionModel?: boolean
}
