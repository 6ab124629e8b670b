import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { TRIGGERS } from '../constants'
import { commonFields } from '../fields'
import { send, sendBatch } from '../request'
import { convertroCall } from '../call'

const toCalls = (payload: Payload) => [
  convertroCall('install', payload, { app: payload.app_name, apv: payload.app_version })
]

const action: ActionDefinition<Settings, Payload> = {
  title: 'Application Installed',
  description: 'Record an app install in Convertro.',
  defaultSubscription: TRIGGERS.appInstalled,
  fields: {
    app_name: {
      label: 'App Name',
      description: 'Name of the installed app (sent as `app`).',
      type: 'string',
      default: { '@path': '$.context.app.name' }
    },
    app_version: {
      label: 'App Version',
      description: 'Version of the installed app (sent as `apv`).',
      type: 'string',
      default: { '@path': '$.context.app.version' }
    },
    ...commonFields
  },
  perform: (request, { payload, settings }) => send(request, settings, payload, toCalls),
  performBatch: (request, { payload, settings }) => sendBatch(request, settings, payload, toCalls)
}

export default action
