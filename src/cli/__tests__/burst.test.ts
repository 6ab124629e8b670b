import { SAMPLE_EVENTS, SAMPLE_SETTINGS } from '../lib/samples'
import { serve } from './helpers'
import type { Served } from './helpers'

// 10,000 action calls, each making a real call to the collector: about a minute on a busy 2-core machine.
jest.setTimeout(300_000)

const REQUESTS = 10_000
const CONCURRENCY = 50

interface Exchange {
  request: { url: string }
  response: { statusCode: number }
}

describe('serve under a loopback burst', () => {
  let server: Served

  beforeAll(async () => {
    server = await serve(['--no-watch'])
  })

  afterAll(() => server.stop())

  it(`answers ${REQUESTS} calls at concurrency ${CONCURRENCY} and records every event once`, async () => {
    const answered: string[] = []
    const failures: string[] = []
    let next = 0
    const worker = async () => {
      while (next < REQUESTS) {
        const userId = `user-${next++}`
        const response = await fetch(server.url + 'identifyUser', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ payload: { ...SAMPLE_EVENTS.identifyUser, userId }, settings: SAMPLE_SETTINGS })
        })
        const exchanges = (await response.json()) as Exchange[]
        const ids = exchanges.map((e) => new URL(e.request.url).searchParams.get('id'))
        if (response.status !== 200 || exchanges.length !== 1 || exchanges[0].response.statusCode !== 200) {
          failures.push(`${userId}: ${response.status} ${JSON.stringify(exchanges).slice(0, 200)}`)
        } else if (ids[0] !== userId) {
          failures.push(`${userId}: answered with the call for ${ids[0]}`)
        } else {
          answered.push(userId)
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))

    expect(failures).toEqual([])
    expect(answered).toHaveLength(REQUESTS)
    const recorded = (await (await fetch(server.url + 'collector/requests')).json()) as { query: { id: string } }[]
    const ids = recorded.map((entry) => entry.query.id)
    expect(ids).toHaveLength(REQUESTS)
    expect(new Set(ids)).toEqual(new Set(answered))
  })
})
