import {
  ErrorCodes,
  IntegrationError,
  MultiStatusResponse,
  RequestTimeoutError,
  RetryableError,
  getErrorCodeFromHttpStatus
} from '@segment/actions-core'
import type { ModifiedResponse, RequestClient, RequestOptions } from '@segment/actions-core'
import type { Settings } from './generated-types'
import type { ConvertroCall } from './call'
import type { Endpoint } from './endpoint'
import { BATCH_CONCURRENCY, BATCH_TIME_LIMIT_MS, MAX_ERROR_BODY_LENGTH } from './constants'
import { callUrl, resolveEndpoint } from './endpoint'
import { toSearchParams } from './call'

/** Builds an event's calls from its payload; throws a PayloadValidationError when the event is invalid. */
export type CallBuilder<P> = (payload: P, settings: Settings) => ConvertroCall[]

/**
 * The error for a non-2xx answer. It carries Convertro's status as it is, so Segment's runtime retries it by
 * its own rule (actions-core's errors.ts: 4xx are not retried except 408, 423 and 429; 5xx are retried except
 * 501), and the destination can never disagree with it.
 */
export function statusError(status: number, message: string): IntegrationError {
  return new IntegrationError(message, getErrorCodeFromHttpStatus(status), status)
}

function responseError(response: ModifiedResponse): IntegrationError {
  const { status } = response
  const body = (response.content ?? '').slice(0, MAX_ERROR_BODY_LENGTH)
  return statusError(status, `Convertro answered ${status}${body ? `: ${body}` : ''}`)
}

/** No answer at all (timeout, refused, reset): the event was not recorded, so it is safe to retry. */
function networkError(error: unknown): RetryableError {
  const detail = error instanceof Error ? error.message : String(error)
  const timedOut = error instanceof RequestTimeoutError || (error as { code?: string })?.code === 'ETIMEDOUT'
  return timedOut
    ? new RetryableError(`Convertro did not answer in time: ${detail}`, 408)
    : new RetryableError(`Could not reach Convertro: ${detail}`)
}

/**
 * The options of every call to Convertro. The bench's floor sends with these too, so that the request client does the
 * same work for both.
 */
export function callOptions(timeout?: number): RequestOptions {
  return {
    method: 'GET',
    throwHttpErrors: false,
    // Present even when undefined (actions-core's default then applies): the request client, which copies these
    // options twice a call, works measurably faster on this shape.
    timeout,
    // A redirect would send the event somewhere the settings never named.
    redirect: 'manual',
    // actions-core reads the answer into `content` either way; by default it first clones the response (two more
    // streams per call), in case something reads the body again. Nothing here does: only `content`.
    skipResponseCloning: true
  }
}

const succeeded = (response: ModifiedResponse) => response.status >= 200 && response.status <= 299

/**
 * Sends an event's calls in order, appending each answer to `answers`; the first failure fails the
 * event and later calls are not sent. With a `deadline` (epoch ms), no call waits past it.
 */
async function sendCalls(
  request: RequestClient,
  endpoint: Endpoint,
  calls: ConvertroCall[],
  answers: ModifiedResponse[] = [],
  deadline?: number
) {
  for (const call of calls) {
    // The query goes into the URL here: given `searchParams`, actions-core parses the URL again and builds the
    // request three times over, which costs more per event than everything else this destination does.
    const url = `${callUrl(endpoint, call.kind)}?${toSearchParams(call.query)}`
    const timeout = deadline === undefined ? undefined : Math.max(1, deadline - Date.now())
    let response: ModifiedResponse
    // Only the request itself is wrapped: an error here means Convertro never answered, so a retry is safe. Any
    // answer, error or not, is kept.
    try {
      response = await request(url, callOptions(timeout))
    } catch (error) {
      throw networkError(error)
    }
    answers.push(response)
    if (!succeeded(response)) throw responseError(response)
  }
  return answers
}

/** Sends one event. Settings and payload are checked before anything is sent. */
export function send<P>(request: RequestClient, settings: Settings, payload: P, build: CallBuilder<P>) {
  const endpoint = resolveEndpoint(settings)
  return sendCalls(request, endpoint, build(payload, settings))
}

/** What was sent and what Convertro answered last, for a batch entry. */
function exchange(answers: ModifiedResponse[]) {
  return { sent: { urls: answers.map((response) => response.url) }, body: answers[answers.length - 1].content ?? '' }
}

function errorEntry(error: unknown, answers: ModifiedResponse[]) {
  const status = error instanceof IntegrationError || error instanceof RetryableError ? error.status ?? 500 : 500
  const code = (error as { code?: string }).code
  const last = answers[answers.length - 1]
  return {
    status,
    errortype: code !== undefined && code in ErrorCodes ? (code as keyof typeof ErrorCodes) : undefined,
    errormessage: error instanceof Error ? error.message : String(error),
    // Convertro's error answer makes the failure Convertro's. Without one (invalid event, timeout, lost connection)
    // it is reported as the destination's, even when an earlier call of the event was answered.
    ...(last && !succeeded(last) ? exchange(answers) : {})
  }
}

/** The result of an event a batch never sent: its turn came after the batch's time limit. */
const notSent = () =>
  new RetryableError(
    `Not sent: Convertro answered too slowly for this batch to reach the event within ${BATCH_TIME_LIMIT_MS / 1000} s.`,
    408
  )

/**
 * Sends a batch, one result per event in order: an invalid or failed event gets its own error entry and
 * never fails or re-sends its neighbours. Convertro takes one event per call, so a batch saves only wall
 * time, by sending a bounded number of events at once, within a bounded time.
 */
export async function sendBatch<P>(request: RequestClient, settings: Settings, payloads: P[], build: CallBuilder<P>) {
  const endpoint = resolveEndpoint(settings)
  const deadline = Date.now() + BATCH_TIME_LIMIT_MS
  const results = new MultiStatusResponse()
  const sendAt = async (index: number) => {
    const answers: ModifiedResponse[] = []
    try {
      if (Date.now() >= deadline) throw notSent()
      await sendCalls(request, endpoint, build(payloads[index], settings), answers, deadline)
      results.setSuccessResponseAtIndex(index, { status: answers[answers.length - 1].status, ...exchange(answers) })
    } catch (error) {
      results.setErrorResponseAtIndex(index, errorEntry(error, answers))
    }
  }
  // A few senders take the events in order, each the next one not yet taken.
  let next = 0
  const sender = async () => {
    while (next < payloads.length) await sendAt(next++)
  }
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, payloads.length) }, sender))
  return results
}
