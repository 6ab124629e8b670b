import type { DestinationDefinition } from '@segment/actions-core'
import type { Settings } from './generated-types'
import { account, hybridAttributionModel, preset } from '../../shared/convertro-rules'
import { requireSettings, resolveEndpoint } from './endpoint'
import identifyUser from './identifyUser'
import trackEvent from './trackEvent'
import orderCompleted from './orderCompleted'
import appInstalled from './appInstalled'

const actions = { identifyUser, trackEvent, orderCompleted, appInstalled }

const destination: DestinationDefinition<Settings> = {
  name: 'Convertro',
  slug: 'actions-convertro',
  mode: 'cloud',
  description: 'Send identifies, events, orders and app installs to Convertro for multi-touch attribution.',

  authentication: {
    scheme: 'custom',
    fields: {
      account,
      clientName: {
        label: 'Client Name',
        description: 'Your Convertro client name: the first path segment of every server call.',
        type: 'string',
        required: true
      },
      siteId: {
        label: 'Site ID',
        description: 'Your Convertro site id: the second path segment of every server call.',
        type: 'string',
        required: true
      },
      domain: {
        label: 'Domain',
        description:
          'Your Convertro tracking host, e.g. acme.sp1.convertro.com (a host name, optionally with a port). Calls go to https://{domain}/api/…',
        type: 'string',
        required: true
      },
      hybridAttributionModel
    },
    // Convertro has no endpoint that checks credentials: validate the settings themselves, offline.
    testAuthentication: (_request, { settings }) => {
      requireSettings(settings, ['account', 'clientName', 'siteId', 'domain'])
      resolveEndpoint(settings)
      return true
    }
  },

  presets: [
    preset(actions, 'identifyUser'),
    preset(actions, 'trackEvent'),
    preset(actions, 'orderCompleted'),
    preset(actions, 'appInstalled')
  ],
  actions
}

export default destination

// For the CLI's collector, which answers the same call kinds and lets the same loopback hosts take plain http.
export { CALL_KINDS, LOOPBACK_HOSTS } from './constants'
// For the CLI's migrate, which checks a classic domain setting as the destination will.
export { parseDomain } from './endpoint'
// For the CLI's batch results, whose statuses are classified by the destination's retry rules.
export { statusError } from './request'
