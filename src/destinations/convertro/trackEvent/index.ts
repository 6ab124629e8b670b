import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { TRIGGERS } from '../constants'
import { commonFields, order_id } from '../fields'
import { send, sendBatch } from '../request'
import { amount, convertroCall, requireParam } from '../call'

const toCalls = (payload: Payload) => [
  convertroCall('hit', payload, {
    typ: requireParam(payload.event_type, 'event type', 'typ'),
    val: amount(payload.value?.revenue),
    eid: payload.order_id
  })
]

const action: ActionDefinition<Settings, Payload> = {
  title: 'Track Event',
  description: 'Send an event to Convertro as an attribution hit.',
  defaultSubscription: TRIGGERS.trackEvent,
  fields: {
    event_type: {
      label: 'Convertro Event Type',
      description: 'The Convertro event type (sent as `typ`). Defaults to the Segment event name.',
      type: 'string',
      required: true,
      default: { '@path': '$.event' }
    },
    value: {
      label: 'Event Revenue',
      description:
        'Its `revenue` is sent as the event value (`val`) when it is a number such as 50.99 or "50.99"; otherwise the value is 1, and the event is still sent. Unlike device mode, `total` is not read here.',
      type: 'object',
      defaultObjectUI: 'keyvalue:only',
      default: { revenue: { '@path': '$.properties.revenue' } }
    },
    order_id,
    ...commonFields
  },
  perform: (request, { payload, settings }) => send(request, settings, payload, toCalls),
  performBatch: (request, { payload, settings }) => sendBatch(request, settings, payload, toCalls)
}

export default action
