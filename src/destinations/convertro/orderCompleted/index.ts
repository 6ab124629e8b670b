import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { TRIGGERS } from '../constants'
import { commonFields, order_id } from '../fields'
import { send, sendBatch } from '../request'
import { amount, convertroCall, requireParam } from '../call'
import { ORDER_MAPPING, saleTypes } from '../../../shared/convertro-rules'

const toCalls = (payload: Payload, settings: Settings) => {
  const eid = requireParam(payload.order_id, 'order id', 'eid')
  const val = amount(payload.order?.total, payload.order?.revenue)
  return saleTypes(payload.order?.repeat, settings.hybridAttributionModel).map((typ) =>
    convertroCall('hit', payload, { typ, val, eid })
  )
}

const action: ActionDefinition<Settings, Payload> = {
  title: 'Order Completed',
  description:
    'Send a completed order to Convertro as a sale: `sale.repeat` or `sale.new` for repeat and new customers, plus `sale` under the hybrid attribution model.',
  defaultSubscription: TRIGGERS.orderCompleted,
  fields: {
    order_id: { ...order_id, required: true },
    order: {
      label: 'Order Amount and Repeat',
      description:
        'The amount sent (`val`) is `total` when it is a number such as 50.99 or "50.99", else `revenue`, else 1. `repeat` is true for a repeat customer and false for a new one; anything else counts as unknown. A value that is not a number leaves the amount to the next key rather than failing the event. The same keys as in device mode.',
      type: 'object',
      defaultObjectUI: 'keyvalue:only',
      default: ORDER_MAPPING
    },
    ...commonFields
  },
  perform: (request, { payload, settings }) => send(request, settings, payload, toCalls),
  performBatch: (request, { payload, settings }) => sendBatch(request, settings, payload, toCalls)
}

export default action
