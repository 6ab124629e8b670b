import fs from 'fs'
import {
  IntegrationError,
  InvalidAuthenticationError,
  PayloadValidationError,
  RequestTimeoutError,
  RetryableError
} from '@segment/actions-core'
import { PROJECT_ROOT } from '../paths'
import { describeError } from '../exchanges'
import { retried, retriedStatus } from '../retry'

/**
 * The statuses actions-core's own type says its runtime retries: the `RetryableStatusCodes` union, read from the
 * installed package, so a change there shows here rather than being copied by hand.
 */
function retryableStatusCodes(): Set<number> {
  const file = `${PROJECT_ROOT}/node_modules/@segment/actions-core/dist/cjs/errors.d.ts`
  const union = /type RetryableStatusCodes\s*=\s*([^;]+);/.exec(fs.readFileSync(file, 'utf8'))?.[1]
  if (!union) throw new Error(`${file} has no RetryableStatusCodes union`)
  return new Set(union.split('|').map((member) => Number(member.trim())))
}

const ALL_STATUSES = Array.from({ length: 500 }, (_, index) => 100 + index)

describe("Segment's retry rule", () => {
  const listed = retryableStatusCodes()

  it("reads actions-core's list: statuses of 4xx and 5xx only, 408 and 503 among them, 501 not", () => {
    expect(listed.size).toBeGreaterThan(10)
    expect([...listed].every((status) => Number.isInteger(status) && status >= 400 && status <= 599)).toBe(true)
    expect([408, 423, 429, 500, 503].every((status) => listed.has(status))).toBe(true)
    expect(listed.has(501)).toBe(false)
  })

  it.each(ALL_STATUSES)('decides status %i as actions-core documents it', (status) => {
    const error = new IntegrationError(`Convertro answered ${status}`, 'CODE', status)
    const described = describeError(error)
    // Every status of actions-core's list is retried; 501, and every 4xx outside the list, is not; every other 5xx
    // is ("5xx are automatically retried, except for 501"); a status below 400 is no failure Segment retries.
    const expected = listed.has(status) || (status >= 500 && status !== 501)
    if (listed.has(status)) expect(expected).toBe(true)
    if (status === 501 || (status >= 400 && status < 500 && !listed.has(status))) expect(expected).toBe(false)
    expect(retriedStatus(status)).toBe(expected)
    expect(retried(error)).toBe(expected)
    expect(described).toMatchObject({ statusCode: status, retryable: expected })
    expect(described.summary).toBe(
      `Convertro answered ${status} (CODE). Segment would ${expected ? '' : 'not '}retry this event.`
    )
  })

  it.each([
    ['a RetryableError', new RetryableError('busy', 503), true],
    ['a RetryableError with no status of its own', new RetryableError('busy'), true],
    ["actions-core's request timeout", new RequestTimeoutError(), true],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      true
    ],
    ['a timeout without a status', Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }), true],
    ['a payload validation error', new PayloadValidationError('Missing user id'), false],
    ['an authentication error', new InvalidAuthenticationError('expired'), false],
    ["the code's own error", new TypeError('x is undefined'), false]
  ])('decides %s', (_name, error, expected) => {
    expect(retried(error)).toBe(expected)
    expect(describeError(error).retryable).toBe(expected)
  })
})
