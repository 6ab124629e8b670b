// Generated file. DO NOT MODIFY IT BY HAND.

export interface Settings {
  /**
   * Your Convertro account name, as in the address of your Convertro tag's live.js: https://d1ivexoxmp59q7.cloudfront.net/{account}/live.js.
   */
  account: string
  /**
   * When on, an Order Completed that says whether the customer is new or repeat (a true or false `repeat` property) is also sent as a plain `sale`, besides `sale.new` or `sale.repeat`.
   */
  hybridAttributionModel?: boolean
}
