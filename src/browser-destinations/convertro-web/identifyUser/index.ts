import type { BrowserActionDefinition } from '@segment/browser-destination-runtime/types'
import { isObject } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { TRIGGERS } from '../constants'
import { push, readText, withValues } from '../utils'

const action: BrowserActionDefinition<Settings, void, Payload> = {
  title: 'Identify User',
  description:
    'Tell Convertro who the visitor is, with their traits (Engage audiences arrive as boolean traits). Anonymous identifies push nothing.',
  platform: 'web',
  defaultSubscription: TRIGGERS.identifyUser,
  fields: {
    user_id: {
      label: 'User ID',
      description: 'The user ID (pushed as `id`). Without it nothing is pushed.',
      type: 'string',
      default: { '@path': '$.userId' }
    },
    traits: {
      label: 'Traits',
      description: 'Traits pushed with the user id. A trait named `id` does not replace the user id.',
      type: 'object',
      default: { '@path': '$.traits' }
    }
  },
  // Actions push to the page's queue, not to the runtime's client: see push().
  perform: (_client, { payload }) => {
    const id = readText(payload.user_id)
    if (id === undefined) return
    // The runtime does not check the mapped traits' type: only a plain object's keys are traits.
    const traits = isObject(payload.traits) ? payload.traits : {}
    push(['trackUser', withValues({ ...traits, id })])
  }
}

export default action
