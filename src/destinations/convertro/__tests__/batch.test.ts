import nock from 'nock'
import { createTestIntegration } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import Destination from '../index'
import { BATCH_CONCURRENCY } from '../constants'
import { CONTEXT, ORIGIN, SETTINGS, expected, recordConvertroCalls, sorted, testEvent } from './__helpers__/helpers'

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
        // Fails actions-core's own validation: a device id cannot be an object.
        order({ order_id: 'bad-device' }, { device: { id: { nested: true } } }),
        order({ total: 5 }),
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
        errormessage: expect.stringMatching(/Device ID/),
        errorreporter: 'INTEGRATIONS'
      },
      {
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: expect.stringMatching(/^Missing order id/),
        errorreporter: 'INTEGRATIONS'
      },
      {
        status: 503,
        errortype: 'RETRYABLE_ERROR',
        errormessage: 'Convertro answered 503: busy',
        sent: { urls: [url('first-fails', 'sale.repeat')] },
        body: 'busy',
        errorreporter: 'DESTINATION'
      },
      {
        status: 500,
        errortype: 'RETRYABLE_ERROR',
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
})
