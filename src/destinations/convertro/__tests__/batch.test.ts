import nock from 'nock'
import { createTestIntegration } from '@segment/actions-core'
import type { DestinationDefinition, JSONObject, RequestClient } from '@segment/actions-core'
import Destination from '../index'
import type { Settings } from '../generated-types'
import { BATCH_CONCURRENCY, BATCH_TIME_LIMIT_MS } from '../constants'
import {
  CONTEXT,
  ORIGIN,
  SETTINGS,
  expected,
  parseCall,
  recordConvertroCalls,
  sorted,
  testEvent
} from './__helpers__/helpers'
import type { RecordedCall } from './__helpers__/helpers'

const testDestination = createTestIntegration(Destination)

const order = (properties: JSONObject, context: JSONObject = CONTEXT) =>
  testEvent({ type: 'track', event: 'Order Completed', properties, context })

const hit = (typ: string, eid: string) => expected('hit', { typ, val: '1', eid })

describe('Convertro batches', () => {
  it('give every event exactly one result, in order, and drop nothing valid', async () => {
    // Convertro's answer for each order id and sale type; everything else is accepted.
    const answers: Record<string, [number, string]> = {
      'first-fails sale.repeat': [503, 'busy'],
      'second-fails sale': [500, 'down'],
      'refused sale.new': [400, 'bad eid']
    }
    const calls = recordConvertroCalls((call) => answers[`${call.query.eid} ${call.query.typ}`] ?? [200, 'OK'])
    await testDestination.testBatchAction('orderCompleted', {
      events: [
        order({ order_id: 'ok-1', repeat: true }),
        // Fail actions-core's own validation: a device id cannot be an object, and it is required.
        order({ order_id: 'bad-device' }, { device: { id: { nested: true } } }),
        order({ order_id: 'no-device' }, {}),
        order({ total: 5 }),
        // Fails the destination's own check: blank is no order id.
        order({ order_id: '  ' }),
        order({ order_id: 'first-fails', repeat: true }),
        order({ order_id: 'second-fails', repeat: true }),
        order({ order_id: 'refused', repeat: false }),
        order({ order_id: 'ok-2' })
      ],
      settings: { ...SETTINGS, hybridAttributionModel: true },
      useDefaultMappings: true
    })

    expect(sorted(calls)).toEqual(
      sorted([
        hit('sale.repeat', 'ok-1'),
        hit('sale', 'ok-1'),
        hit('sale.repeat', 'first-fails'),
        hit('sale.repeat', 'second-fails'),
        hit('sale', 'second-fails'),
        hit('sale.new', 'refused'),
        hit('sale', 'ok-2')
      ])
    )
    const url = (eid: string, typ: string) => expect.stringMatching(new RegExp(`typ=${typ}&val=1&eid=${eid}$`))
    expect(testDestination.results[0].multistatus).toEqual([
      { status: 200, sent: { urls: [url('ok-1', 'sale.repeat'), url('ok-1', 'sale')] }, body: 'OK' },
      {
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: 'Device ID must be a string but it was an object.',
        errorreporter: 'INTEGRATIONS'
      },
      {
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: "The root value is missing the required field 'device_id'.",
        errorreporter: 'INTEGRATIONS'
      },
      {
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: "The root value is missing the required field 'order_id'.",
        errorreporter: 'INTEGRATIONS'
      },
      {
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: 'Missing order id: Convertro requires `eid` on this call.',
        errorreporter: 'INTEGRATIONS'
      },
      {
        status: 503,
        errortype: 'SERVICE_UNAVAILABLE',
        errormessage: 'Convertro answered 503: busy',
        sent: { urls: [url('first-fails', 'sale.repeat')] },
        body: 'busy',
        errorreporter: 'DESTINATION'
      },
      {
        status: 500,
        errortype: 'INTERNAL_SERVER_ERROR',
        errormessage: 'Convertro answered 500: down',
        sent: { urls: [url('second-fails', 'sale.repeat'), url('second-fails', 'sale')] },
        body: 'down',
        errorreporter: 'DESTINATION'
      },
      {
        status: 400,
        errortype: 'BAD_REQUEST',
        errormessage: 'Convertro answered 400: bad eid',
        sent: { urls: [url('refused', 'sale.new')] },
        body: 'bad eid',
        errorreporter: 'DESTINATION'
      },
      { status: 200, sent: { urls: [url('ok-2', 'sale')] }, body: 'OK' }
    ])
  })

  it('sends at most BATCH_CONCURRENCY events at once, and every event of a larger batch', async () => {
    let inFlight = 0
    let most = 0
    const eids: string[] = []
    nock(ORIGIN)
      .persist()
      .get(() => true)
      .reply((uri, _body, answer) => {
        eids.push(new URL(uri, ORIGIN).searchParams.get('eid') ?? '')
        most = Math.max(most, ++inFlight)
        setTimeout(() => {
          inFlight -= 1
          answer(null, [200, 'OK'])
        }, 5)
      })
    const events = Array.from({ length: 25 }, (_, i) => order({ order_id: `order-${i}` }))
    await testDestination.testBatchAction('orderCompleted', { events, settings: SETTINGS, useDefaultMappings: true })

    expect(BATCH_CONCURRENCY).toBe(10)
    expect(most).toBe(BATCH_CONCURRENCY)
    expect(eids.sort()).toEqual(events.map((_, i) => `order-${i}`).sort())
    expect(testDestination.results[0].multistatus?.map((entry) => entry.status)).toEqual(events.map(() => 200))
  })

  describe('time limit', () => {
    const START = Date.UTC(2024, 2, 5, 10, 20, 30)
    let now: number

    // The batch's clock, moved by the test: nothing waits for it.
    beforeEach(() => {
      now = START
      jest.spyOn(Date, 'now').mockImplementation(() => now)
    })

    afterEach(() => nock.abortPendingRequests())

    it('sends no event whose turn comes after the limit: each gets its own retryable 408', async () => {
      // Convertro answers the first events only once the limit has passed.
      const calls = recordConvertroCalls(() => {
        now = START + BATCH_TIME_LIMIT_MS
        return [200, 'OK']
      })
      const events = Array.from({ length: BATCH_CONCURRENCY + 2 }, (_, i) => order({ order_id: `order-${i}` }))
      await testDestination.testBatchAction('orderCompleted', { events, settings: SETTINGS, useDefaultMappings: true })

      expect(sorted(calls)).toEqual(sorted(events.slice(0, BATCH_CONCURRENCY).map((_, i) => hit('sale', `order-${i}`))))
      const notSent = {
        status: 408,
        errortype: 'RETRYABLE_ERROR',
        errormessage: 'Not sent: Convertro answered too slowly for this batch to reach the event within 10 s.',
        errorreporter: 'INTEGRATIONS'
      }
      expect(testDestination.results[0].multistatus).toEqual([
        ...events.slice(0, BATCH_CONCURRENCY).map(() => expect.objectContaining({ status: 200 })),
        notSent,
        notSent
      ])
    })

    /** The definition, with the timeout of every request orderCompleted's batches make noted in `timeouts`. */
    function notingTimeouts(timeouts: unknown[]): DestinationDefinition<Settings> {
      const action = Destination.actions.orderCompleted
      const noting =
        (request: RequestClient): RequestClient =>
        (url, options) => {
          timeouts.push(options?.timeout)
          return request(url, options)
        }
      const performBatch: typeof action.performBatch = (request, data) => action.performBatch?.(noting(request), data)
      return { ...Destination, actions: { ...Destination.actions, orderCompleted: { ...action, performBatch } } }
    }

    it('gives each call only the time left, so no call outlasts the limit', async () => {
      const calls: RecordedCall[] = []
      const record = (uri: string) => calls.push(parseCall('GET', new URL(uri, ORIGIN)))
      // Convertro answers the first call 9.99 s into the batch, and would answer the second a minute later.
      nock(ORIGIN)
        .get(() => true)
        .reply((uri) => {
          record(uri)
          now = START + BATCH_TIME_LIMIT_MS - 10
          return [200, 'OK']
        })
      nock(ORIGIN)
        .get(() => true)
        .delay(60_000)
        .reply((uri) => {
          record(uri)
          return [200, 'OK']
        })
      const timeouts: unknown[] = []
      const timed = createTestIntegration(notingTimeouts(timeouts))

      await timed.testBatchAction('orderCompleted', {
        events: [order({ order_id: 'o-1', repeat: true })],
        settings: { ...SETTINGS, hybridAttributionModel: true },
        useDefaultMappings: true
      })

      expect(timeouts).toEqual([BATCH_TIME_LIMIT_MS, 10])
      expect(calls).toEqual([hit('sale.repeat', 'o-1'), hit('sale', 'o-1')])
      expect(timed.results[0].multistatus).toEqual([
        {
          status: 408,
          errortype: 'RETRYABLE_ERROR',
          errormessage: 'Convertro did not answer in time: Request timed out after 10ms',
          errorreporter: 'INTEGRATIONS'
        }
      ])
    })
  })
})
