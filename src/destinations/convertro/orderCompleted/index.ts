import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { TRIGGERS } from '../constants'
import { commonFields, order_id } from '../fields'
import { send, sendBatch } from '../request'
import { amount, convertroCall, requireParam } from '../call'
import { ORDER_MAPPING, orderAmount, readBoolean, saleTypes } from '../../../shared/convertro-rules'

const toCalls = (payload: Payload, settings: Settings) => {
  const eid = requireParam(payload.order_id, 'order id', 'eid')
  const val = amount(orderAmount(payload.order))
  const repeat = readBoolean(payload.order?.repeat)
  return saleTypes(repeat, settings.hybridAttributionModel).map((typ) =>
    convertroCall('hit', payload, { typ, val, eid })
  )
}

const action: ActionDefinition<Settings, Payload> = {
  title: 'Order Completed',
  description:
    'Send a completed order to Convertro as a sale: `sale.repeat` or `sale.new` for repeat and new customers, plus `sale` under the hybrid attribution model.',
  defaultSubscription: TRIGGERS.orderCompleted,
  fields: {
    order_id: { ...order_id, description: 'The order id (sent as `eid`). Required.' },
    order: {
      label: 'Order',
      description:
        'The amount sent (`val`) is `total` when it is a number or a numeric string, else `revenue`, else 1. `repeat` (true or false) tells a repeat customer from a new one; any other value counts as unknown. Read as sent, so a value of the wrong type falls back instead of failing the event.',
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
