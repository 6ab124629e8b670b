import { IntegrationError, defaultValues } from '@segment/actions-core'
import type { BrowserDestinationDefinition } from '@segment/browser-destination-runtime/types'
import { browserDestination } from '@segment/browser-destination-runtime/shim'
import type { Settings } from './generated-types'
import { hybridAttributionModel } from '../../shared/convertro-rules'
import { LIVE_JS_ORIGIN, READY_POLL_MS, TRIGGERS } from './constants'
import { convertroQueue, isReady, liveJsUrl } from './utils'
import identifyUser from './identifyUser'
import trackEvent from './trackEvent'
import orderCompleted from './orderCompleted'

export const destination: BrowserDestinationDefinition<Settings, void> = {
  name: 'Convertro Web (Actions)',
  slug: 'actions-convertro-web',
  mode: 'device',
  description: "Send identifies, events and orders to Convertro through Convertro's live.js tag in the browser.",

  settings: {
    account: {
      label: 'Account',
      description:
        "Your Convertro account name, as in the address of your Convertro tag's live.js: https://d1ivexoxmp59q7.cloudfront.net/{account}/live.js.",
      type: 'string',
      required: true
    },
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
    // No deadline: analytics.js holds this destination's events until it is ready, so a slow live.js only delays them.
    await resolveWhen(isReady, READY_POLL_MS)
  },

  presets: [
    {
      name: 'Identify User',
      subscribe: TRIGGERS.identifyUser,
      partnerAction: 'identifyUser',
      mapping: defaultValues(identifyUser.fields),
      type: 'automatic'
    },
    {
      name: 'Track Event',
      subscribe: TRIGGERS.trackEvent,
      partnerAction: 'trackEvent',
      mapping: defaultValues(trackEvent.fields),
      type: 'automatic'
    },
    {
      name: 'Order Completed',
      subscribe: TRIGGERS.orderCompleted,
      partnerAction: 'orderCompleted',
      mapping: defaultValues(orderCompleted.fields),
      type: 'automatic'
    }
  ],
  actions: { identifyUser, trackEvent, orderCompleted }
}

export default browserDestination(destination)
