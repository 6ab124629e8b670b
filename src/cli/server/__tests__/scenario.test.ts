import http from 'http'
import path from 'path'
import type { AddressInfo } from 'net'
import express from 'express'
import { PROJECT_ROOT, tempDir, tempFile } from '../../__tests__/helpers'
import { Collector, collectorRoutes } from '../collector'
import type { CollectedRequest } from '../collector'
import { jsonBody } from '../guards'
import { ScenarioPlayer, parseScenario, readScenarioFile } from '../scenario'

const KINDS = ['user', 'hit', 'install']
const EXAMPLE = path.join(PROJECT_ROOT, 'examples/scenarios/flaky-convertro.json')

describe('a scenario', () => {
  it.each([
    [[], 'The scenario: it must be an object with "rules"'],
    [{ rules: [], extra: 1 }, 'The scenario: unknown key "extra" (expected name, rules)'],
    [{ rules: [{ answers: [700] }] }, 'rules[0].answers[0]: 700 is not a status from 100 to 599'],
    [{ rules: [{ answers: [99] }] }, 'rules[0].answers[0]: 99 is not a status from 100 to 599'],
    [
      { rules: [{ answers: [{ status: 200.5 }] }] },
      'rules[0].answers[0].status: 200.5 is not a status from 100 to 599'
    ],
    [
      { rules: [{ answers: ['slow'] }] },
      'rules[0].answers[0]: "slow" is not a fault (timeout, reset, empty, malformed); give a status as a number'
    ],
    [{ rules: [{ kind: 'order', answers: [200] }] }, 'rules[0].kind: "order" is not a call kind (user, hit, install)'],
    [{ rules: [{ answers: [] }] }, 'rules[0].answers: a non-empty list of answers'],
    [{ rules: [{ answer: 200, answers: [200] }] }, 'rules[0]: give "answers" or "answer", not both'],
    [{ rules: [{ share: 0, answers: [200] }] }, 'rules[0].share: a number above 0, at most 1'],
    [
      { rules: [{ answers: [{ delayMs: -1 }] }] },
      'rules[0].answers[0].delayMs: a whole number of milliseconds from 0 to 120000'
    ],
    [
      { rules: [{ answers: [{ headers: { 'Retry-After': '1\r\nX: y' } }] }] },
      'rules[0].answers[0].headers.Retry-After: a header value is one line of text'
    ],
    [
      { rules: [{ answers: [{ headers: { 'Retry After': '1' } }] }] },
      'rules[0].answers[0].headers: "Retry After" is not a header name'
    ],
    [
      { rules: [{ answers: [{ status: 200, fault: 'slow' }] }] },
      'rules[0].answers[0].fault: "slow" is not one of timeout, reset, empty, malformed'
    ]
  ])('refuses %j, saying why', (value, message) => {
    expect(() => parseScenario(value, KINDS)).toThrow(message)
  })

  it('names the file and the problem', () => {
    const file = tempFile('bad-scenario.json', { rules: [{ answers: [1000] }] })
    expect(() => readScenarioFile(file, KINDS)).toThrow(
      `--scenario ${file} is not a scenario: rules[0].answers[0]: 1000 is not a status from 100 to 599`
    )
    const broken = tempFile('broken-scenario.json', '{ "rules": ')
    expect(() => readScenarioFile(broken, KINDS)).toThrow(broken)
  })

  it('is played call by call: a sequence repeats its last answer, a cycle starts over, a share spreads evenly', () => {
    const player = new ScenarioPlayer()
    player.set(
      parseScenario(
        {
          rules: [
            { kind: 'hit', typ: 'sale', answers: [429, 200] },
            { kind: 'hit', cycle: true, answers: [500, 'reset'] },
            { kind: 'user', share: 0.5, answers: [503] }
          ]
        },
        KINDS
      )
    )
    const statuses = (kind: string, typ?: string) =>
      Array.from({ length: 4 }, () => {
        const answer = player.answerFor(kind, typ)
        return answer ? answer.fault ?? answer.status : 'convertro'
      })
    expect(statuses('hit', 'sale')).toEqual([429, 200, 200, 200])
    expect(statuses('hit', 'sale.new')).toEqual([500, 'reset', 500, 'reset'])
    expect(statuses('user')).toEqual(['convertro', 503, 'convertro', 503])
    expect(statuses('install')).toEqual(['convertro', 'convertro', 'convertro', 'convertro'])
    player.reset()
    expect(statuses('hit', 'sale')).toEqual(['convertro', 'convertro', 'convertro', 'convertro'])
  })
})

describe('the collector under a scenario', () => {
  let server: http.Server
  let base: string
  let collector: Collector

  beforeEach(async () => {
    collector = await Collector.open(path.join(tempDir('convertro-scenario-'), 'collector.jsonl'), () => undefined)
    server = http.createServer(
      express()
        .use(jsonBody())
        .use(collectorRoutes(collector, () => KINDS))
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterEach(async () => {
    const closed = new Promise((resolve) => server.close(resolve))
    server.closeAllConnections()
    await closed
  })

  /** A call as Convertro gets it, on a connection of its own; what came back, or the error. */
  async function call(kind: string, typ?: string, timeoutMs = 2000) {
    const query = new URLSearchParams({ sid: 'device-1', ts: '1709634030', ...(typ && { typ }) })
    const started = Date.now()
    try {
      const response = await fetch(`${base}/api/${kind}/acme/1/?${query}`, {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { connection: 'close' }
      })
      const body = await response.text()
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body,
        ms: Date.now() - started
      }
    } catch (error) {
      const { name, cause } = error as Error & { cause?: { code?: string } }
      return { error: cause?.code ?? name, ms: Date.now() - started }
    }
  }

  const records = async () =>
    ((await (await fetch(`${base}/collector/requests`)).json()) as CollectedRequest[]).map((entry) => [
      entry.kind,
      entry.query.typ,
      entry.status,
      entry.scenario
    ])

  it("follows the example file's scenario call by call, and records what it answered", async () => {
    collector.scenario.set(readScenarioFile(EXAMPLE, KINDS))
    expect(await call('hit', 'sale')).toMatchObject({ status: 500, body: 'database unavailable' })
    expect(await call('hit', 'Signed Up')).toMatchObject({ status: 429, retryAfter: '30', body: 'slow down' })
    expect(await call('hit', 'Signed Up')).toMatchObject({ status: 200, retryAfter: null })
    expect(await call('hit', 'sale')).toMatchObject({ status: 500 })
    // Every other user call gets no answer: the caller gives up.
    expect(await call('user')).toMatchObject({ status: 200 })
    expect(await call('user', undefined, 300)).toMatchObject({ error: 'TimeoutError' })
    expect(await call('user')).toMatchObject({ status: 200 })
    // Install calls cycle: a slow 200, a reset, an empty 200, and again.
    const slow = await call('install')
    expect(slow).toMatchObject({ status: 200 })
    expect(slow.ms).toBeGreaterThanOrEqual(290)
    expect(await call('install')).toMatchObject({ error: 'ECONNRESET' })
    expect(await call('install')).toMatchObject({ status: 200, body: '' })
    expect(await call('install')).toMatchObject({ status: 200 })
    expect(await records()).toEqual([
      ['hit', 'sale', 500, '500'],
      ['hit', 'Signed Up', 429, '429'],
      ['hit', 'Signed Up', 200, '200'],
      ['hit', 'sale', 500, '500'],
      ['user', undefined, 200, undefined],
      ['user', undefined, 0, 'timeout'],
      ['user', undefined, 200, undefined],
      ['install', undefined, 200, '200, after 300 ms'],
      ['install', undefined, 0, 'reset'],
      ['install', undefined, 200, '200 empty'],
      ['install', undefined, 200, '200, after 300 ms']
    ])
  })

  it('answers a body cut short', async () => {
    collector.scenario.set(parseScenario({ rules: [{ answers: ['malformed'] }] }, KINDS))
    expect(await call('hit', 'x')).toMatchObject({ error: expect.stringMatching(/TERMINATED|ECONNRESET|UND_ERR/) })
  })

  it('is set, shown and reset over HTTP, and a bad one is answered 400 with why', async () => {
    const put = (body: string, type = 'application/json') =>
      fetch(`${base}/collector/scenario`, { method: 'PUT', body, headers: { 'content-type': type } })
    const set = await put(JSON.stringify({ name: '429, then 200', rules: [{ answers: [429, 200] }] }))
    expect(set.status).toBe(200)
    expect(await set.json()).toEqual({
      scenario: { name: '429, then 200', rules: [{ answers: [{ status: 429 }, { status: 200 }] }] },
      calls: [{ matched: 0, answered: 0 }]
    })
    expect(await call('hit', 'x')).toMatchObject({ status: 429 })
    expect(await call('hit', 'x')).toMatchObject({ status: 200 })
    expect(await (await fetch(`${base}/collector/scenario`)).json()).toMatchObject({
      calls: [{ matched: 2, answered: 2 }]
    })

    const bad = await put(JSON.stringify({ rules: [{ answers: [42] }] }))
    expect([bad.status, await bad.json()]).toEqual([
      400,
      { error: 'rules[0].answers[0]: 42 is not a status from 100 to 599' }
    ])
    const text = await put('rules', 'text/plain')
    expect([text.status, await text.json()]).toEqual([
      400,
      { error: 'Send the scenario as JSON, with Content-Type: application/json' }
    ])
    const malformed = await put('{ "rules": ')
    expect(malformed.status).toBe(400)
    // A refused scenario leaves the one in place.
    expect(await call('hit', 'x')).toMatchObject({ status: 200 })

    const reset = await fetch(`${base}/collector/scenario`, { method: 'DELETE' })
    expect(await reset.json()).toEqual({ scenario: { name: 'Convertro answers 200', rules: [] }, calls: [] })
    expect(await records()).toEqual([
      ['hit', 'x', 429, '429'],
      ['hit', 'x', 200, '200'],
      ['hit', 'x', 200, '200']
    ])
  })
})
