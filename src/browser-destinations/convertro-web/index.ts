import { IntegrationError } from '@segment/actions-core'
import type { BrowserDestinationDefinition } from '@segment/browser-destination-runtime/types'
import { browserDestination } from '@segment/browser-destination-runtime/shim'
import type { Settings } from './generated-types'
import { account, hybridAttributionModel, preset } from '../../shared/convertro-rules'
import { LIVE_JS_ORIGIN, READY_POLL_MS, READY_TIMEOUT_MS } from './constants'
import { convertroQueue, isReady, liveJsUrl } from './utils'
import identifyUser from './identifyUser'
import trackEvent from './trackEvent'
import orderCompleted from './orderCompleted'

const actions = { identifyUser, trackEvent, orderCompleted }

export const destination: BrowserDestinationDefinition<Settings, void> = {
  name: 'Convertro',
  slug: 'actions-convertro-web',
  mode: 'device',
  description: "Send identifies, events and orders to Convertro through Convertro's live.js tag in the browser.",

  settings: {
    account: { ...account, description: 'Your Convertro account name: live.js is loaded for this account.' },
    hybridAttributionModel
  },

  initialize: async ({ settings }, { loadScript, resolveWhen }) => {
    const url = liveJsUrl(settings.account)
    // live.js runs what was queued before it loaded: the queue must exist before the first push.
    convertroQueue()
    // A page moving from the classic destination may still run live.js itself: a second copy would take the
    // queue over again.
    if (!isReady()) {
      try {
        await loadScript(url)
      } catch {
        throw new IntegrationError(
          `Convertro's live.js could not be loaded from ${url}. Check the account setting, and that the page may load scripts from ${LIVE_JS_ORIGIN}.`,
          'CONVERTRO_LOAD_FAILED',
          424
        )
      }
    }
    // resolveWhen polls until its condition holds and has no time limit of its own.
    const deadline = Date.now() + READY_TIMEOUT_MS
    await resolveWhen(() => isReady() || Date.now() >= deadline, READY_POLL_MS)
    if (!isReady()) {
      throw new IntegrationError(
        `Convertro's live.js (${url}) loaded but did not become ready within ${
          READY_TIMEOUT_MS / 1000
        } s: window.$CVO.trackEvent is not a function. Check the account setting.`,
        'CONVERTRO_NOT_READY',
        408
      )
    }
  },

  presets: [preset(actions, 'identifyUser'), preset(actions, 'trackEvent'), preset(actions, 'orderCompleted')],
  actions
}

export default browserDestination(destination)
