import type { DestinationDefinition } from '@segment/actions-core'
import { defaultValues } from '@segment/actions-core'
import type { Settings } from './generated-types'
import { hybridAttributionModel } from '../../shared/convertro-rules'
import { TRIGGERS } from './constants'
import { resolveEndpoint } from './endpoint'
import identifyUser from './identifyUser'
import trackEvent from './trackEvent'
import orderCompleted from './orderCompleted'
import appInstalled from './appInstalled'

const destination: DestinationDefinition<Settings> = {
  name: 'Convertro (Actions)',
  slug: 'actions-convertro',
  mode: 'cloud',
  description: 'Send identifies, events, orders and app installs to Convertro for multi-touch attribution.',

  authentication: {
    scheme: 'custom',
    fields: {
      clientName: {
        label: 'Client Name',
        description:
          'Your Convertro client name, given by Convertro with your site ID. Your tracking calls show it as https://{domain}/api/hit/{client name}/{site ID}/.',
        type: 'string',
        required: true
      },
      siteId: {
        label: 'Site ID',
        description:
          'Your Convertro site ID, given by Convertro with your client name. Your tracking calls show it as https://{domain}/api/hit/{client name}/{site ID}/.',
        type: 'string',
        required: true
      },
      domain: {
        label: 'Domain',
        description:
          "Your Convertro tracking host, e.g. acme.sp1.convertro.com: the host name of the calls in Convertro's tracking tag. Calls go to it over https.",
        type: 'string',
        placeholder: 'acme.sp1.convertro.com',
        required: true
      },
      hybridAttributionModel
    },
    // Convertro has no endpoint that checks credentials: validate the settings themselves, offline.
    testAuthentication: (_request, { settings }) => {
      resolveEndpoint(settings)
      return true
    }
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
    },
    {
      name: 'Application Installed',
      subscribe: TRIGGERS.appInstalled,
      partnerAction: 'appInstalled',
      mapping: defaultValues(appInstalled.fields),
      type: 'automatic'
    }
  ],
  actions: { identifyUser, trackEvent, orderCompleted, appInstalled }
}

export default destination
