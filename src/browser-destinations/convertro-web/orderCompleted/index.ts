import type { BrowserActionDefinition } from '@segment/browser-destination-runtime/types'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { ORDER_MAPPING, saleTypes } from '../../../shared/convertro-rules'
import { TRIGGERS } from '../constants'
import { order_id } from '../fields'
import { push, requireMappedText, toAmount, trackEventCommand } from '../utils'

const action: BrowserActionDefinition<Settings, void, Payload> = {
  title: 'Order Completed',
  description:
    'Send a completed order to Convertro as a sale: `sale.repeat` or `sale.new` for repeat and new customers, plus `sale` under the hybrid attribution model.',
  platform: 'web',
  defaultSubscription: TRIGGERS.orderCompleted,
  fields: {
    order_id: { ...order_id, required: true },
    order: {
      label: 'Order Amount and Repeat',
      description:
        'The amount pushed is `total` when it is a number such as 50.99 or "50.99", else `revenue`; with neither, no amount is pushed. `repeat` is true for a repeat customer and false for a new one; anything else counts as unknown. The same keys as in cloud mode.',
      type: 'object',
      defaultObjectUI: 'keyvalue:only',
      default: ORDER_MAPPING
    }
  },
  // Actions push to the page's queue, not to the runtime's client: see push().
  perform: (_client, { payload, settings }) => {
    const id = requireMappedText(payload.order_id, 'order id', '"Order ID" (default: properties.order_id)')
    const amount = toAmount(payload.order)
    const types = saleTypes(payload.order?.repeat, settings.hybridAttributionModel)
    for (const type of types) push(trackEventCommand({ type, id, amount }))
  }
}

export default action
