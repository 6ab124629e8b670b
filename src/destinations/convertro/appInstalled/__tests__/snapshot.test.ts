import { createTestEvent, createTestIntegration } from '@segment/actions-core'
import { generateTestData } from '../../../../lib/test-data'
import destination from '../../index'
import nock from 'nock'

const testDestination = createTestIntegration(destination)
const actionSlug = 'appInstalled'
const destinationSlug = 'Convertro'
const seedName = `${destinationSlug}#${actionSlug}`

// Segment's snapshot test, adapted for a GET API: the request URLs are recorded (Convertro's calls have no
// body), with fixed valid settings (the generated ones are random text, refused as a domain).
const settings = {
  clientName: 'acme',
  siteId: '1234',
  domain: 'acme.sp1.convertro.com',
  hybridAttributionModel: true
}

describe(`Request URLs of ${destinationSlug}'s ${actionSlug} action:`, () => {
  it.each([
    ['required fields', true],
    ['all fields', false]
  ])('%s', async (_variant, requiredOnly) => {
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
})
