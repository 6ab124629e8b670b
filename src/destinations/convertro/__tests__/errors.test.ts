import http from 'http'
import net from 'net'
import { setImmediate as realSetImmediate } from 'timers'
import nock from 'nock'
import { IntegrationError, RetryableError, createTestIntegration } from '@segment/actions-core'
import Destination from '../index'
import { ORIGIN, SETTINGS, TS, expected, recordConvertroCalls, testEvent } from './__helpers__/helpers'

const testDestination = createTestIntegration(Destination)

function trackEvent() {
  return testDestination.testAction('trackEvent', {
    event: testEvent({ type: 'track', event: 'Signed Up' }),
    settings: SETTINGS,
    useDefaultMappings: true
  })
}

const HIT = expected('hit', { typ: 'Signed Up', val: '1' })

/**
 * Under fake timers: runs the process.nextTick callbacks the fake clock holds, then lets real I/O and timers run,
 * until `done()` holds.
 */
async function runTicksUntil(done: () => boolean): Promise<void> {
  for (let round = 0; round < 100 && !done(); round++) {
    jest.runAllTicks()
    await new Promise((resolve) => realSetImmediate(resolve))
  }
  expect(done()).toBe(true)
}

// Every status from 200 to 599, classified by the contract alone: 2xx succeed; 408, 429 and every 5xx are retried;
// every other answer (3xx included: redirects are not followed) is final.
const STATUSES = Array.from({ length: 400 }, (_, i) => 200 + i)
const SUCCESS = STATUSES.filter((status) => status <= 299)
const RETRYABLE = STATUSES.filter((status) => status === 408 || status === 429 || status >= 500)
const FINAL = STATUSES.filter((status) => !SUCCESS.includes(status) && !RETRYABLE.includes(status))

describe('Convertro responses', () => {
  beforeEach(() => {
    testDestination.responses = []
  })

  it.each(SUCCESS)('treats %i as success', async (status) => {
    const calls = recordConvertroCalls([[status, '']])
    await expect(trackEvent()).resolves.toHaveLength(1)
    expect(calls).toEqual([HIT])
  })

  it.each(RETRYABLE)('makes %i retryable, with the status and body in the message', async (status) => {
    const calls = recordConvertroCalls([[status, 'try later']])
    const error = await trackEvent().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RetryableError)
    expect(error).toMatchObject({ status, message: `Convertro answered ${status}: try later` })
    expect(calls).toEqual([HIT])
  })

  it.each(FINAL)('makes %i final, with the status and body in the message', async (status) => {
    const calls = recordConvertroCalls([[status, 'bad request: sid']])
    const error = await trackEvent().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IntegrationError)
    expect(error).not.toBeInstanceOf(RetryableError)
    // The message carries the body that reached actions-core. nock 13 hands a 304 the body it was given, which a
    // real connection never delivers: the test below sends a 304 over one.
    expect(error).toMatchObject({ status, message: `Convertro answered ${status}: bad request: sid` })
    expect(calls).toEqual([HIT])
  })

  it.each([301, 302, 307, 308])('does not follow a %i redirect, and fails the event for good', async (status) => {
    const calls: string[] = []
    nock(ORIGIN)
      .persist()
      .get(() => true)
      .reply((uri) => {
        calls.push(`${ORIGIN}${uri}`)
        return [status, '', { Location: 'https://elsewhere.example/collect' }]
      })
    nock('https://elsewhere.example')
      .persist()
      .get(() => true)
      .reply((uri) => {
        calls.push(`https://elsewhere.example${uri}`)
        return [200, 'OK']
      })
    const error = await trackEvent().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IntegrationError)
    expect(error).not.toBeInstanceOf(RetryableError)
    expect(error).toMatchObject({ status })
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatch(/^https:\/\/acme\.sp1\.convertro\.com\/api\/hit\/acme\/1234\/\?/)
  })

  it('keeps at most 500 characters of a long error body', async () => {
    recordConvertroCalls([[400, 'x'.repeat(5000)]])
    const error = (await trackEvent().catch((e: unknown) => e)) as Error
    expect(error.message).toBe(`Convertro answered 400: ${'x'.repeat(500)}`)
  })

  describe('without an answer', () => {
    let server: net.Server
    let port: number
    let connections: number

    beforeEach(async () => {
      connections = 0
      // A real collector on loopback that drops every connection it accepts.
      server = net.createServer((socket) => {
        connections++
        socket.destroy()
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      port = (server.address() as net.AddressInfo).port
    })

    afterEach(() => new Promise((resolve) => server.close(resolve)))

    const identify = () =>
      testDestination.testAction('identifyUser', {
        event: testEvent({ type: 'identify', userId: 'user-42' }),
        settings: { ...SETTINGS, domain: `http://127.0.0.1:${port}` },
        useDefaultMappings: true
      })

    it('makes a reset connection retryable', async () => {
      const error = await identify().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RetryableError)
      expect((error as Error).message).toMatch(/^Could not reach Convertro: .*(socket hang up|ECONNRESET)/)
      expect(connections).toBe(1)
    })

    it('makes a refused connection retryable', async () => {
      await new Promise((resolve) => server.close(resolve))
      server = net.createServer()
      const error = await identify().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RetryableError)
      expect((error as Error).message).toMatch(/^Could not reach Convertro: .*ECONNREFUSED/)
      expect(connections).toBe(0)
    })
  })

  it('makes a 304 over a real connection final, with no body in the message: none reaches the client', async () => {
    const urls: (string | undefined)[] = []
    // A real collector on loopback. Node's server, like any HTTP/1.1 peer, sends no body after a 304.
    const server = http.createServer((request, response) => {
      urls.push(request.url)
      response.writeHead(304).end('bad request: sid')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as net.AddressInfo
      const error = await testDestination
        .testAction('identifyUser', {
          event: testEvent({ type: 'identify', userId: 'user-42' }),
          settings: { ...SETTINGS, domain: `http://127.0.0.1:${port}` },
          useDefaultMappings: true
        })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(IntegrationError)
      expect(error).not.toBeInstanceOf(RetryableError)
      expect(error).toMatchObject({ status: 304, message: 'Convertro answered 304' })
      expect(urls).toEqual([`/api/user/acme/1234/?sid=device-1&ts=${TS}&cua=UA%2F1.0&cip=203.0.113.7&id=user-42`])
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('makes a request that times out retryable', async () => {
    // jest 27's fake clock also holds process.nextTick back, which nock needs to take the request.
    jest.useFakeTimers('modern')
    try {
      let requests = 0
      nock(ORIGIN)
        .get(() => true)
        .delay(10_500)
        .reply(() => {
          requests++
          return [200, 'OK']
        })
      const result = trackEvent().catch((e: unknown) => e)
      await runTicksUntil(() => requests === 1)
      // actions-core's default request timeout is 10 s; nock's delay runs on the real clock.
      jest.advanceTimersByTime(10_001)
      const error = await result
      expect(error).toBeInstanceOf(RetryableError)
      expect(error).toMatchObject({ status: 408 })
      expect((error as Error).message).toMatch(/^Convertro did not answer in time/)
      expect(requests).toBe(1)
    } finally {
      // First: nock clears its delay with the global clearTimeout, which must be the real one again.
      jest.useRealTimers()
      nock.abortPendingRequests()
    }
  })
})
