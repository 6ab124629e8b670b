import { EVENT_TYPES } from '../routing/event-rules'
import { cli, serve, tempFile } from './helpers'
import type { Served } from './helpers'

// A server and a replay process: each starts from TypeScript sources.
jest.setTimeout(60_000)

const AT = '2026-11-25T10:00:00.000Z'
const context = { device: { id: 'device-1' }, ip: '203.0.113.7', userAgent: 'Mozilla/5.0' }
const track = (fields: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Signed Up',
  userId: 'user-1',
  context,
  timestamp: AT,
  ...fields
})
const TYPES = EVENT_TYPES.join(', ')

/**
 * The one table of what an event must be. `api` is the Tracking API's answer, `replay` whether replay takes it;
 * a refusal's words are the same for both, after the event is named. Where they differ on purpose, it says why.
 */
const TABLE: { name: string; event: Record<string, unknown>; api: 200 | 400 | 413; replay: boolean; rule?: string }[] =
  [
    { name: 'a complete track', event: track(), api: 200, replay: true },
    {
      name: 'a page with only an anonymousId',
      event: { type: 'page', anonymousId: 'a-1', timestamp: AT },
      api: 200,
      replay: true
    },
    { name: 'a numeric userId', event: track({ userId: 42 }), api: 200, replay: true },
    { name: 'a time in epoch milliseconds', event: track({ timestamp: 1764064800000 }), api: 200, replay: true },
    {
      name: 'only an originalTimestamp',
      event: track({ timestamp: undefined, originalTimestamp: AT }),
      api: 200,
      replay: true
    },
    {
      // On purpose: live, the event happened as it arrived; from an archive it would be dated today.
      name: 'no timestamp at all',
      event: track({ timestamp: undefined }),
      api: 200,
      replay: false,
      rule: 'has no timestamp: an archived event would be dated now'
    },
    {
      name: 'an unknown type',
      event: track({ type: 'purchase' }),
      api: 400,
      replay: false,
      rule: `has type "purchase"; expected one of ${TYPES}`
    },
    {
      name: 'no type',
      event: track({ type: undefined }),
      api: 400,
      replay: false,
      rule: `has type undefined; expected one of ${TYPES}`
    },
    {
      name: 'no id',
      event: track({ userId: undefined }),
      api: 400,
      replay: false,
      rule: 'has neither userId nor anonymousId'
    },
    {
      name: 'empty and null ids',
      event: track({ userId: '', anonymousId: null }),
      api: 400,
      replay: false,
      rule: 'has neither userId nor anonymousId'
    },
    {
      name: 'a track with no name',
      event: track({ event: undefined }),
      api: 400,
      replay: false,
      rule: 'is a track without an event name'
    },
    {
      name: 'a track with an empty name',
      event: track({ event: '' }),
      api: 400,
      replay: false,
      rule: 'is a track without an event name'
    },
    {
      name: 'a timestamp that is not a time',
      event: track({ timestamp: 'yesterday' }),
      api: 400,
      replay: false,
      rule: 'has a timestamp that is not a time: "yesterday"'
    },
    {
      name: 'an event over 32 KB',
      event: track({ properties: { blob: 'x'.repeat(33 * 1024) } }),
      api: 413,
      replay: false,
      rule: "is 33.2 KB; Segment's limit is 32 KB an event"
    }
  ]

describe('the event rules, one table for the Tracking API and replay', () => {
  let server: Served
  beforeAll(async () => {
    server = await serve(['--no-watch'])
  })
  afterAll(() => server.stop())

  it('the Tracking API answers each event as the table says', async () => {
    const answers = []
    for (const { event } of TABLE) {
      const response = await fetch(`${server.url}v1/batch`, {
        method: 'POST',
        body: JSON.stringify({ batch: [event] })
      })
      answers.push({ status: response.status, body: await response.json() })
    }
    expect(answers).toEqual(
      TABLE.map(({ api, rule }) =>
        api === 200
          ? { status: 200, body: { success: true } }
          : { status: api, body: { success: false, message: `Event 0 of the batch ${rule}` } }
      )
    )
  })

  it('replay takes or refuses each event as the table says, in the same words', async () => {
    const file = tempFile(
      'events.jsonl',
      TABLE.map(({ event }, i) => JSON.stringify({ ...event, messageId: `row-${i + 1}` })).join('\n') + '\n'
    )
    // No domain: a dry run's calls go to convertro.test, and no server is asked for.
    const settings = tempFile('settings.json', { clientName: 'acme', siteId: '1' })
    const run = await cli(['replay', file, '--settings', settings, '--dry-run'])
    const refused = run.stderr.split('\n').filter((line) => line.startsWith('replay: line'))
    expect(refused).toEqual(
      TABLE.flatMap(({ replay, rule }, i) =>
        replay ? [] : [`replay: line ${i + 1} (messageId row-${i + 1}): the event ${rule}`]
      )
    )
    const taken = TABLE.filter((row) => row.replay).length
    // The page has no subscription: it is skipped, not failed.
    expect(run.stdout.split('\n').at(-2)).toBe(
      `replay: ${TABLE.length} events, ${taken - 1} requests, 1 skipped, ${TABLE.length - taken} failed`
    )
  })
})
