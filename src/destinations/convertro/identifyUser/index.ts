import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { TRIGGERS } from '../constants'
import { commonFields } from '../fields'
import { send, sendBatch } from '../request'
import { convertroCall, requireParam } from '../call'

// Traits are never sent: Convertro accepts none, the call only ties the device to the user.
const toCalls = (payload: Payload) => [
  convertroCall('user', payload, { id: requireParam(payload.user_id, 'user id', 'id') })
]

const action: ActionDefinition<Settings, Payload> = {
  title: 'Identify User',
  description: 'Tie the device to a known user in Convertro. Anonymous identifies are rejected.',
  defaultSubscription: TRIGGERS.identifyUser,
  fields: {
    user_id: {
      label: 'User ID',
      description: 'The user ID (sent as `id`). An anonymous identify, without one, is rejected.',
      type: 'string',
      required: true,
      default: { '@path': '$.userId' }
    },
    ...commonFields
  },
  perform: (request, { payload, settings }) => send(request, settings, payload, toCalls),
  performBatch: (request, { payload, settings }) => sendBatch(request, settings, payload, toCalls)
}

export default action
