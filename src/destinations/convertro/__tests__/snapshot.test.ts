import { createTestEvent, createTestIntegration } from '@segment/actions-core'
import { generateTestData } from '../../../lib/test-data'
import destination from '../index'
import nock from 'nock'
import { CONTEXT, SETTINGS, recordConvertroCalls, testEvent } from './__helpers__/helpers'

const testDestination = createTestIntegration(destination)
const destinationSlug = 'actions-convertro'

// Segment's snapshot test, adapted for a GET API: Convertro's calls have no body, so what is recorded is each
// request's URL, one a line. The generated settings are random text, which the destination rightly refuses as a
// domain, so the settings are fixed and valid (hybrid on, so an order shows both of its calls).
const settings = {
  clientName: 'acme',
  siteId: '1234',
  domain: 'acme.sp1.convertro.com',
  hybridAttributionModel: true
}

describe(`Request URLs of ${destinationSlug}:`, () => {
  for (const actionSlug in destination.actions) {
    it.each([
      ['required fields', true],
      ['all fields', false]
    ])(`${actionSlug} action - %s`, async (_variant, requiredOnly) => {
      const seedName = `${destinationSlug}#${actionSlug}`
      const action = destination.actions[actionSlug]
      const [eventData] = generateTestData(seedName, destination, action, requiredOnly)

      nock(/.*/).persist().get(/.*/).reply(200)

      const event = createTestEvent({
        properties: eventData
      })

      const responses = await testDestination.testAction(actionSlug, {
        event: event,
        mapping: event.properties,
        settings,
        auth: undefined
      })

      expect(responses.length).toBeGreaterThan(0)
      expect(responses.map((response) => response.request.url).join('\n')).toMatchSnapshot()
    })
  }
})

// One full event per action through the default mappings, so a change to any default or wire name shows up.
const events = {
  identifyUser: testEvent({ type: 'identify', userId: 'user-42', traits: { email: 'a@example.com' } }),
  trackEvent: testEvent({ type: 'track', event: 'Signed Up', properties: { revenue: '19.90', order_id: 'o-7' } }),
  orderCompleted: testEvent({
    type: 'track',
    event: 'Order Completed',
    properties: { order_id: 'o-8', total: 120.5, revenue: 100, repeat: false }
  }),
  appInstalled: testEvent({
    type: 'track',
    event: 'Application Installed',
    context: { ...CONTEXT, app: { name: 'Shop', version: '2.0' } }
  })
}

describe('Request URLs of real events through the default mappings', () => {
  it.each(Object.keys(events) as (keyof typeof events)[])('%s', async (action) => {
    recordConvertroCalls()
    const responses = await testDestination.testAction(action, {
      event: events[action],
      settings: { ...SETTINGS, hybridAttributionModel: true },
      useDefaultMappings: true
    })
    expect(responses.map((response) => response.url).join('\n')).toMatchSnapshot()
  })
})
