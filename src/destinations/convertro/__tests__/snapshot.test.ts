import { createTestIntegration } from '@segment/actions-core'
import Definition from '../index'
import { CONTEXT, SETTINGS, recordConvertroCalls, testEvent } from './__helpers__/helpers'

const testDestination = createTestIntegration(Definition)

// One full event per action, every mapped field present, so a change to any default or wire name shows up.
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

describe('Convertro request URLs', () => {
  it.each(Object.keys(events) as (keyof typeof events)[])('%s', async (action) => {
    recordConvertroCalls()
    const responses = await testDestination.testAction(action, {
      event: events[action],
      settings: { ...SETTINGS, hybridAttributionModel: true },
      useDefaultMappings: true
    })
    expect(responses.map((response) => response.url)).toMatchSnapshot()
  })
})
