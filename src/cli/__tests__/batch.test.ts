import nock from 'nock'
import type { SegmentEvent, Subscription } from '@segment/actions-core'
import { loadServerDestination } from '../destinations'
import type { ServerDestination } from '../destinations'
import { routeBatch } from '../routing/route-batch'
import { presetSubscriptions } from '../routing/subscriptions'
import { SAMPLE_EVENTS } from '../lib/samples'

let destination: ServerDestination
let subscriptions: Subscription[]
beforeAll(async () => {
  destination = await loadServerDestination()
  subscriptions = presetSubscriptions(destination.definition)
})
const settings = { account: 'acme', clientName: 'acme', siteId: '1', domain: 'acme.sp1.convertro.com' }
const ORIGIN = 'https://acme.sp1.convertro.com'

const identify = SAMPLE_EVENTS.identifyUser
const signedUp = SAMPLE_EVENTS.trackEvent
const page = { ...identify, type: 'page', name: 'Home' } as SegmentEvent

describe('routeBatch', () => {
  it('gives each subscription one outcome per event, in order, and counts the requests', async () => {
    const scope = nock(ORIGIN)
      .get(/^\/api\/(user|hit)\/acme\/1\//)
      .times(2)
      .reply(200)
    const { outcomes, requests } = await routeBatch(destination, [identify, page, signedUp], settings, subscriptions)
    expect(subscriptions.map((s) => s.partnerAction)).toEqual([
      'identifyUser',
      'trackEvent',
      'orderCompleted',
      'appInstalled'
    ])
    expect(outcomes.map((list) => list.map((outcome) => outcome.result))).toEqual([
      ['sent', 'unmatched', 'unmatched'],
      ['unmatched', 'unmatched', 'sent'],
      // No event of the batch matches: actions-core answers 'not subscribed' for the whole batch.
      ['unmatched', 'unmatched', 'unmatched'],
      ['unmatched', 'unmatched', 'unmatched']
    ])
    expect(outcomes[0][0]).toEqual({ result: 'sent', urls: [expect.stringMatching(`^${ORIGIN}/api/user/acme/1/\\?`)] })
    expect(requests).toBe(2)
    expect(scope.isDone()).toBe(true)
  })

  it.each([
    [423, true],
    [429, true],
    [503, true],
    [400, false],
    [501, false]
  ])(
    "decides a failed entry's retry by Segment's rule (status %i) and keeps what was sent",
    async (status, retryable) => {
      nock(ORIGIN)
        .get(/^\/api\/user\//)
        .reply(status, 'no')
      const { outcomes, requests } = await routeBatch(destination, [identify], settings, subscriptions)
      expect(outcomes[0]).toEqual([
        {
          result: 'failed',
          urls: [expect.stringMatching(`^${ORIGIN}/api/user/acme/1/\\?`)],
          error: expect.objectContaining({ statusCode: status, retryable, message: `Convertro answered ${status}: no` })
        }
      ])
      expect(outcomes[0][0].result === 'failed' && outcomes[0][0].error.summary).toMatch(
        retryable ? /Segment would retry this event\.$/ : /Segment would not retry this event\.$/
      )
      expect(requests).toBe(1)
    }
  )

  it('fails the matching events of a subscription whose whole call failed, and only those', async () => {
    const { definition } = destination
    const broken = {
      ...destination,
      definition: {
        ...definition,
        actions: {
          ...definition.actions,
          trackEvent: {
            ...definition.actions.trackEvent,
            performBatch: () => {
              throw new Error('boom')
            }
          }
        }
      }
    }
    const { outcomes, requests } = await routeBatch(broken, [identify, signedUp], settings, [subscriptions[1]])
    expect(outcomes).toEqual([
      [
        { result: 'unmatched' },
        { result: 'failed', urls: [], error: expect.objectContaining({ message: 'boom', retryable: false }) }
      ]
    ])
    expect(requests).toBe(0)
  })

  it('sends nothing for an empty batch', async () => {
    expect(await routeBatch(destination, [], settings, subscriptions)).toEqual({
      outcomes: [[], [], [], []],
      requests: 0
    })
  })
})
