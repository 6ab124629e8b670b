import type { BrowserActionDefinition } from '@segment/browser-destination-runtime/types'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { TRIGGERS } from '../constants'
import { order_id } from '../fields'
import { push, readText, requireMappedText, toAmount, trackEventCommand } from '../utils'

const action: BrowserActionDefinition<Settings, void, Payload> = {
  title: 'Track Event',
  description: 'Send an event to Convertro through live.js.',
  platform: 'web',
  defaultSubscription: TRIGGERS.trackEvent,
  fields: {
    event_type: {
      label: 'Convertro Event Type',
      description: 'The Convertro event type (pushed as `type`). Defaults to the Segment event name.',
      type: 'string',
      required: true,
      default: { '@path': '$.event' }
    },
    order_id,
    value: {
      label: 'Event Amount',
      description:
        'The amount pushed is `total` when it is a number such as 50.99 or "50.99", else `revenue`; with neither, no amount is pushed and the event is still sent. Unlike cloud mode, `total` is read first.',
      type: 'object',
      defaultObjectUI: 'keyvalue:only',
      default: { total: { '@path': '$.properties.total' }, revenue: { '@path': '$.properties.revenue' } }
    }
  },
  // Actions push to the page's queue, not to the runtime's client: see push().
  perform: (_client, { payload }) => {
    push(
      trackEventCommand({
        type: requireMappedText(payload.event_type, 'event type', '"Convertro Event Type" (default: the event name)'),
        id: readText(payload.order_id),
        amount: toAmount(payload.value)
      })
    )
  }
}

export default action
