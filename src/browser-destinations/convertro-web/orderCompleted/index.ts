import type { BrowserActionDefinition } from '@segment/browser-destination-runtime/types'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { ORDER_MAPPING, TRIGGERS, readBoolean, saleTypes } from '../../../shared/convertro-rules'
import { order_id } from '../fields'
import { push, requireMappedText, toAmount, trackEventCommand } from '../utils'

const action: BrowserActionDefinition<Settings, void, Payload> = {
  title: 'Order Completed',
  description:
    'Send a completed order to Convertro as a sale: `sale.repeat` or `sale.new` for repeat and new customers, plus `sale` under the hybrid attribution model.',
  platform: 'web',
  defaultSubscription: TRIGGERS.orderCompleted,
  fields: {
    order_id: { ...order_id, description: 'The order id (pushed as `id`). Required.' },
    order: {
      label: 'Order',
      description:
        'The amount pushed is `total` when it is a number or a numeric string, else `revenue`; with neither, no amount is pushed. `repeat` (true or false) tells a repeat customer from a new one; any other value counts as unknown. Read as sent, so a value of the wrong type falls back instead of failing the event.',
      type: 'object',
      defaultObjectUI: 'keyvalue:only',
      default: ORDER_MAPPING
    }
  },
  // Actions push to the page's queue, not to the runtime's client: see push().
  perform: (_client, { payload, settings }) => {
    const id = requireMappedText(payload.order_id, 'order id', '"Order ID" (default: properties.order_id)')
    const amount = toAmount(payload.order)
    const types = saleTypes(readBoolean(payload.order?.repeat), settings.hybridAttributionModel)
    for (const type of types) push(trackEventCommand({ type, id, amount }))
  }
}

export default action
