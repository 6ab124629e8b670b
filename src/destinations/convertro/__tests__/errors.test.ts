import http from 'http'
import net from 'net'
import { setImmediate as realSetImmediate } from 'timers'
import nock from 'nock'
import {
  IntegrationError,
  RetryableError,
  createTestIntegration,
  getErrorCodeFromHttpStatus
} from '@segment/actions-core'
import Destination from '../index'
import { ORIGIN, SETTINGS, TS, expected, recordConvertroCalls, testEvent } from './__helpers__/helpers'
import { COLLECTOR_SETTINGS, listen, routedTo, useRealSockets } from './__helpers__/local-collector'
import { runtimeRetryableStatuses } from './__helpers__/runtime-retry'

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

/** Every error status Convertro can answer. */
const ERROR_STATUSES = Array.from({ length: 200 }, (_, i) => 400 + i)
const REDIRECT_STATUSES = Array.from({ length: 100 }, (_, i) => 300 + i)

/** The error an answer becomes: Convertro's status as it is, so the runtime's rule alone decides the retry. */
function expectStatusError(error: unknown, status: number, body: string) {
  expect(error).toBeInstanceOf(IntegrationError)
  expect(error).not.toBeInstanceOf(RetryableError)
  expect(error).toMatchObject({ status, code: getErrorCodeFromHttpStatus(status) })
  expect((error as { retry?: boolean }).retry).toBeUndefined()
  expect((error as Error).message).toBe(`Convertro answered ${status}${body ? `: ${body}` : ''}`)
}

describe('Convertro responses', () => {
  beforeEach(() => {
    testDestination.responses = []
  })

  it.each([200, 204, 299])('treats %i as success', async (status) => {
    const calls = recordConvertroCalls([[status, '']])
    await expect(trackEvent()).resolves.toHaveLength(1)
    expect(calls).toEqual([HIT])
  })

  it.each(ERROR_STATUSES)('fails on %i with an error carrying that status, its code and the body', async (status) => {
    const calls = recordConvertroCalls([[status, 'try later']])
    const error = await trackEvent().catch((e: unknown) => e)
    expectStatusError(error, status, 'try later')
    expect(calls).toEqual([HIT])
  })

  describe('as the runtime retries them', () => {
    const retryable = runtimeRetryableStatuses()

    it('reads the statuses actions-core retries: 408, 423, 429 and 500 among them, 400 and 501 not', () => {
      expect(retryable).toEqual(expect.arrayContaining([408, 423, 429, 500, 503]))
      expect(retryable).not.toContain(501)
      expect(retryable).not.toContain(400)
    })

    it.each(retryable.filter((status) => ERROR_STATUSES.includes(status)))(
      'hands the runtime a %i answer as that same status, which it retries',
      async (status) => {
        recordConvertroCalls([[status, 'busy']])
        const error = await trackEvent().catch((e: unknown) => e)
        expect(error).toMatchObject({ status })
      }
    )

    it('hands the runtime a 501 as 501, which it does not retry', async () => {
      recordConvertroCalls([[501, 'no']])
      const error = await trackEvent().catch((e: unknown) => e)
      expect(error).toMatchObject({ status: 501 })
      expect(retryable).not.toContain((error as { status: number }).status)
    })
  })

  it.each(REDIRECT_STATUSES)('fails on %i with an error carrying that status and its code', async (status) => {
    const calls = recordConvertroCalls([[status, 'bad request: sid']])
    const error = await trackEvent().catch((e: unknown) => e)
    // The message carries the body that reached actions-core. nock 13 hands a 304 the body it was given, which a
    // real connection never delivers: a test below sends a 304 over one.
    expectStatusError(error, status, 'bad request: sid')
    expect(calls).toEqual([HIT])
  })

  it.each([301, 302, 307, 308])('does not follow a %i redirect, and fails the event', async (status) => {
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
    expectStatusError(error, status, '')
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatch(/^https:\/\/acme\.sp1\.convertro\.com\/api\/hit\/acme\/1234\/\?/)
  })

  it('keeps at most 500 characters of a long error body', async () => {
    recordConvertroCalls([[400, 'x'.repeat(5000)]])
    const error = (await trackEvent().catch((e: unknown) => e)) as Error
    expect(error.message).toBe(`Convertro answered 400: ${'x'.repeat(500)}`)
  })

  describe('over a real connection', () => {
    useRealSockets()

    const identify = (port: number) =>
      createTestIntegration(routedTo(port)).testAction('identifyUser', {
        event: testEvent({ type: 'identify', userId: 'user-42' }),
        settings: COLLECTOR_SETTINGS,
        useDefaultMappings: true
      })

    it('makes a reset connection retryable', async () => {
      let connections = 0
      // A collector that drops every connection it accepts.
      const server = net.createServer((socket) => {
        connections++
        socket.destroy()
      })
      const port = await listen(server)
      try {
        const error = await identify(port).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(RetryableError)
        expect(error).toMatchObject({ status: 500 })
        expect((error as Error).message).toMatch(/^Could not reach Convertro: .*(socket hang up|ECONNRESET)/)
        expect(connections).toBe(1)
      } finally {
        await new Promise((resolve) => server.close(resolve))
      }
    })

    it('makes a refused connection retryable', async () => {
      // A port nothing listens on any more.
      const server = net.createServer()
      const port = await listen(server)
      await new Promise((resolve) => server.close(resolve))
      const error = await identify(port).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RetryableError)
      expect(error).toMatchObject({ status: 500 })
      expect((error as Error).message).toMatch(/^Could not reach Convertro: .*ECONNREFUSED/)
    })

    it('fails on a 304 with no body in the message: none reaches the client', async () => {
      const urls: (string | undefined)[] = []
      // Node's server, like any HTTP/1.1 peer, sends no body after a 304.
      const server = http.createServer((request, response) => {
        urls.push(request.url)
        response.writeHead(304).end('bad request: sid')
      })
      const port = await listen(server)
      try {
        const error = await identify(port).catch((e: unknown) => e)
        expectStatusError(error, 304, '')
        expect(urls).toEqual([`/api/user/acme/1234/?sid=device-1&ts=${TS}&cua=UA%2F1.0&cip=203.0.113.7&id=user-42`])
      } finally {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
    })
  })

  it('makes a request that times out retryable, as a 408', async () => {
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
