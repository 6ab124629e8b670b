import nock from 'nock'
import { Destination, defaultValues } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import { runtimeRetryableStatuses } from '../../../destinations/convertro/__tests__/__helpers__/runtime-retry'
import { loadServerDestination } from '../../destinations'
import type { Definition } from '../definition'
import { fateOf } from '../fate'
import { runAction } from '../run'
import { SAMPLE_EVENTS } from '../samples'

const ORIGIN = 'https://acme.sp1.convertro.com'
const SETTINGS = { clientName: 'acme', siteId: '1', domain: 'acme.sp1.convertro.com' }
const EVENT = SAMPLE_EVENTS.trackEvent as unknown as JSONObject
const ALL_STATUSES = Array.from({ length: 500 }, (_, index) => 100 + index)

let definition: Definition

beforeAll(async () => {
  definition = (await loadServerDestination()).definition
  nock.disableNetConnect()
})

afterEach(() => nock.cleanAll())

afterAll(() => nock.enableNetConnect())

/** Convertro's answers, one per call, recording each call's path and query. */
function convertro(...statuses: number[]): string[] {
  const calls: string[] = []
  let scope = nock(ORIGIN)
  for (const status of statuses) {
    scope = scope.get(/^\/api\//).reply(status, (uri) => {
      calls.push(uri)
      return ''
    })
  }
  return calls
}

/** What the action throws for this event, as Segment's runtime receives it; undefined when it throws nothing. */
async function thrownBy(data: JSONObject): Promise<unknown> {
  const action = new Destination(definition).actions.trackEvent
  const mapping = defaultValues(action.definition.fields)
  try {
    await action.execute({ data, settings: SETTINGS, mapping, auth: undefined })
    return undefined
  } catch (error) {
    return error
  }
}

describe("an event's fate", () => {
  const listed = new Set(runtimeRetryableStatuses())

  /** actions-core's rule on what the destination threw: its status list, and every 5xx but 501. */
  const byActionsCore = (thrown: unknown) => {
    if (thrown === undefined) return 'delivered'
    const { status } = thrown as { status?: number }
    if (status === undefined) throw new Error(`the destination threw no status: ${String(thrown)}`)
    return listed.has(status) || (status >= 500 && status <= 599 && status !== 501) ? 'retry' : 'drop'
  }

  it.each(ALL_STATUSES)('for a Convertro answering %i follows actions-core’s rule', async (status) => {
    const direct = convertro(status)
    const thrown = await thrownBy(EVENT)
    expect(direct).toEqual([expect.stringMatching(/^\/api\/hit\/acme\/1\/\?sid=/)])
    // A 2xx is the only answer the destination takes; any other throws an error carrying that status.
    if (status >= 200 && status <= 299) expect(thrown).toBeUndefined()
    else expect(thrown).toMatchObject({ status })
    const expected = byActionsCore(thrown)
    expect(fateOf(thrown)).toMatchObject({ fate: expected })

    // The same through the local tools' run, which every command and route shows.
    const viaRun = convertro(status)
    const run = await runAction(definition, 'trackEvent', { payload: EVENT, settings: SETTINGS })
    expect(viaRun).toEqual(direct)
    expect(run.fates).toEqual([expect.objectContaining({ fate: expected })])
    if (expected !== 'delivered') expect(run.error?.fate).toEqual(run.fates[0])
  })

  it('says what Segment does, citing its retry policy, and where a dropped event shows', () => {
    const retry = fateOf(Object.assign(new Error('Convertro answered 503'), { status: 503 }))
    expect(retry).toEqual({
      fate: 'retry',
      status: 503,
      reason: 'Convertro answered 503',
      segment: expect.stringContaining(
        'four hours; after that it is dropped (https://segment.com/docs/connections/destinations/#retries-between-segment-and-destinations)'
      )
    })
    expect(fateOf(Object.assign(new Error('Convertro answered 404'), { status: 404 })).segment).toContain(
      'Delivery Overview'
    )
    expect(fateOf()).toMatchObject({ fate: 'delivered' })
  })
})

describe("a batch's fates", () => {
  const invalid = { ...EVENT, context: { ...(EVENT.context as JSONObject), device: {} } }

  it.each([
    [200, 'delivered'],
    [429, 'retry'],
    [404, 'drop']
  ])('drops exactly the invalid event, the others answered %i', async (status, others) => {
    const calls = convertro(status, status)
    const run = await runAction(definition, 'trackEvent', { payload: [EVENT, invalid, EVENT], settings: SETTINGS })
    expect(calls).toHaveLength(2)
    expect(nock.isDone()).toBe(true)
    expect(run.fates.map((fate) => fate.fate)).toEqual([others, 'drop', others])
    expect(run.fates[1].status).toBe(400)
  })

  it('gives each event the fate of its own answer, in order', async () => {
    // Each event its own `typ`, answered with its own status, whichever order the calls come in.
    const answers: Record<string, number> = { A: 501, B: 200, C: 503 }
    const calls: string[] = []
    nock(ORIGIN)
      .get(/^\/api\//)
      .times(3)
      .reply((uri) => {
        const typ = new URL(uri, ORIGIN).searchParams.get('typ') ?? ''
        calls.push(typ)
        return [answers[typ], '']
      })
    const payload = ['A', 'B', 'C'].map((event) => ({ ...EVENT, event }))
    const run = await runAction(definition, 'trackEvent', { payload, settings: SETTINGS })
    expect(calls.sort()).toEqual(['A', 'B', 'C'])
    expect(run.fates.map((fate) => [fate.fate, fate.status])).toEqual([
      ['drop', 501],
      ['delivered', undefined],
      ['retry', 503]
    ])
  })
})
