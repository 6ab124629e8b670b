/**
 * The end-to-end test page's analytics.js: analytics-next with this destination registered the way
 * Segment's CDN settings register a device-mode destination (a remote plugin whose factory is already on
 * the page), its settings and preset subscriptions given inline, so nothing is fetched from Segment.
 */
import { AnalyticsBrowser } from '@segment/analytics-next'
import convertro, { destination } from '../../src/browser-destinations/convertro-web'

/** The test expects live.js for this account, and both pushes of a hybrid order. */
const SETTINGS = { account: 'acme/eu', hybridAttributionModel: true }

const WRITE_KEY = 'convertro-device-mode'

const subscriptions = (destination.presets ?? []).map((preset) => ({ ...preset, enabled: true }))

// Exposed for the test to call, as a page's own scripts would call it.
Object.assign(window, {
  analytics: AnalyticsBrowser.load(
    {
      writeKey: WRITE_KEY,
      plugins: [convertro],
      cdnSettings: {
        integrations: { 'Segment.io': { apiKey: WRITE_KEY } },
        // analytics.js reports its own metrics to api.segment.io unless sampling is off; the test refuses that host.
        metrics: { sampleRate: 0 },
        remotePlugins: [
          {
            name: destination.name,
            creationName: destination.name,
            libraryName: 'convertroDestination',
            url: 'https://cdn.segment.com/next-integrations/actions/convertro/convertro.js',
            settings: { ...SETTINGS, subscriptions }
          }
        ]
      }
    },
    // Segment's own API is not part of this test: without this, analytics.js would send it every event.
    { integrations: { 'Segment.io': false } }
  )
})
