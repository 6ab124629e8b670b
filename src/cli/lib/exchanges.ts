import { IntegrationError, InvalidAuthenticationError, RetryableError } from '@segment/actions-core'
import type { DecoratedResponse } from '@segment/actions-core'
import { fateOf } from './fate'
import type { Fate } from './fate'
import { retried } from './retry'

/** One request the destination made and Convertro's answer, in the shape Segment's CLI server returns. */
export interface Exchange {
  request: { url: string; method: string; headers: Record<string, string>; body: string }
  response: { statusCode: number; statusMessage: string; headers: Record<string, string>; body: unknown }
}

/** A failed call, in the shape of Segment's CLI server, plus what it means for the event. */
export interface ErrorOutput {
  requestError: true
  statusCode: number
  name: string
  code?: string
  retryable: boolean
  message: string
  /** The error in plain words, for people reading the tester or a terminal. */
  summary: string
  fields?: Record<string, string>
  /** The error's stack, line by line, as Segment's CLI server shows it (only where a person reads it). */
  stack?: string[]
  /** What Segment's runtime does with the event: retries it or drops it, and why. */
  fate: Fate
}

const TEXTUAL = /^(text\/|application\/(json|xml|x-www-form-urlencoded))/

function headersOf(headers: Headers): Record<string, string> {
  const plain: Record<string, string> = {}
  headers.forEach((value, name) => (plain[name] = value))
  return plain
}

function bodyOf(response: DecoratedResponse): unknown {
  const type = response.headers.get('content-type') ?? ''
  if (!type || TEXTUAL.test(type)) return response.data ?? response.content
  // Convertro answers with a tracking pixel: show what it was, not its bytes.
  return `<${response.content.length} bytes of ${type}>`
}

export async function summarize(responses: readonly DecoratedResponse[]): Promise<Exchange[]> {
  return Promise.all(
    responses.map(async (response) => ({
      request: {
        url: response.request.url,
        method: response.request.method,
        headers: headersOf(response.request.headers),
        body: await response.request.clone().text()
      },
      response: {
        statusCode: response.status,
        statusMessage: response.statusText,
        headers: headersOf(response.headers),
        body: bodyOf(response)
      }
    }))
  )
}

interface AjvFieldError {
  path: string
  message: string
}

/** Text ended as a sentence, once: ajv's messages sometimes end with a period and sometimes do not. */
const sentence = (text: string) => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`)

/** What went wrong and whether Segment would retry it (by its rule: see `retried`), from actions-core's typed errors. */
export function describeError(error: unknown): ErrorOutput {
  const err = error instanceof Error ? error : new Error(String(error))
  const base = { requestError: true as const, name: err.name, message: err.message, fate: fateOf(error) }

  if (err.name === 'AggregateAjvError') {
    const fields = Object.fromEntries(
      [...(err as unknown as Iterable<AjvFieldError>)].map((field) => [field.path.replace('$.', ''), field.message])
    )
    return {
      ...base,
      statusCode: 400,
      code: 'PAYLOAD_VALIDATION_FAILED',
      retryable: false,
      fields,
      summary: `The mapped event does not fit the action's fields: ${sentence(err.message)} Segment would not retry it.`
    }
  }
  if (err instanceof RetryableError || err instanceof IntegrationError || err instanceof InvalidAuthenticationError) {
    const retryable = retried(err)
    return {
      ...base,
      statusCode: err.status ?? 400,
      code: err.code,
      retryable,
      summary: `${err.message} (${err.code}). Segment would ${retryable ? '' : 'not '}retry this event.`
    }
  }
  const retryable = retried(err)
  const summary = retryable
    ? `No answer: ${err.message}. Segment would retry this event.`
    : `Unexpected error: ${err.message}`
  return { ...base, statusCode: 500, retryable, summary }
}

/**
 * Why settings were refused: by actions-core's check against the settings fields, or by the destination's
 * testAuthentication, whose error actions-core rethrows as a plain "Credentials are invalid: <status> <message>".
 */
export function describeSettingsError(error: unknown): ErrorOutput {
  const described = describeError(error)
  const reason = described.message.replace(/^Credentials are invalid: \d*\s*/, '')
  return {
    ...described,
    statusCode: 400,
    retryable: false,
    summary: `The settings are refused: ${sentence(reason)} Nothing is sent with them.`
  }
}
