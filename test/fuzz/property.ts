import fc from 'fast-check'
import nock from 'nock'
import {
  Destination,
  IntegrationError,
  PayloadValidationError,
  defaultValues,
  getErrorCodeFromHttpStatus
} from '@segment/actions-core'
import type { DestinationDefinition, JSONObject, SegmentEvent } from '@segment/actions-core'
import Definition from '../../src/destinations/convertro'
import type { Settings } from '../../src/destinations/convertro/generated-types'
import { segmentEvent, settings as settingsArbitrary, statuses as statusesArbitrary } from './arbitraries'
import { contextIsNull, expectations, urlOf, urlOfRequest } from './oracle'
import { socketOrigin } from '../../src/destinations/convertro/__tests__/__helpers__/socket-origin'
import type { ActionKey, Answer, ExpectedCall, Expectation, WireRequest } from './oracle'

export interface Case {
  action: ActionKey
  events: Record<string, unknown>[]
  settings: Record<string, unknown>
  statuses: number[]
  batch: boolean
}

/** Cases for an action: one event, or a batch of up to 8 when `batch`. */
export function cases(action: ActionKey, batch = false): fc.Arbitrary<Case> {
  const event = segmentEvent(action)
  return fc.record({
    action: fc.constant(action),
    events: batch ? fc.array(event, { minLength: 1, maxLength: 8 }) : event.map((e) => [e]),
    settings: settingsArbitrary,
    statuses: statusesArbitrary,
    batch: fc.constant(batch)
  })
}

/** Convertro's answer to a URL: one of the case's statuses, picked by a hash of the URL so a batch is repeatable. */
export function answerFrom(statuses: number[]): Answer {
  return (url) => {
    let hash = 2166136261
    for (let i = 0; i < url.length; i++) hash = Math.imul(hash ^ url.charCodeAt(i), 16777619) >>> 0
    return statuses[hash % statuses.length]
  }
}

const network: { requests: WireRequest[]; answer: Answer } = { requests: [], answer: () => 200 }

/**
 * Answers every GET to any host and records it: a request anywhere but the expected origin is then a
 * difference from the oracle like any other. Call once per process (or per test, as nock is reset after each).
 */
export function interceptNetwork(): void {
  nock(/.*/)
    .persist()
    .get(() => true)
    .reply(function (uri) {
      const [path, query = ''] = uri.split(/\?(.*)/s)
      const request = { origin: socketOrigin(this.req), path, query }
      network.requests.push(request)
      const status = network.answer(urlOfRequest(request))
      return [status, status >= 200 && status <= 299 ? 'OK' : `answer ${status}`]
    })
}

/** The runtime's entry points for one subscription's event or batch, which the runtime calls after routing. */
class Runtime extends Destination<Settings> {
  private readonly mappings: Record<string, JSONObject>

  constructor(definition: DestinationDefinition<Settings>) {
    super(definition)
    this.mappings = Object.fromEntries(
      Object.entries(definition.actions).map(([key, action]) => [key, defaultValues(action.fields)])
    )
  }

  run(action: ActionKey, settings: Settings, events: SegmentEvent[], batch: boolean) {
    const bundle = { mapping: this.mappings[action], settings }
    return batch
      ? this.executeBatch(action, { ...bundle, events })
      : this.executeAction(action, { ...bundle, event: events[0] })
  }
}

const runtimes = new WeakMap<DestinationDefinition<Settings>, Runtime>()

// What a valid request looks like on the wire: the path of one of the three calls with two encoded segments,
// and a query in URLSearchParams's encoding (every `%` followed by two hex digits).
const SEGMENT = "(?:[A-Za-z0-9\\-_.!~*'()]|%[0-9A-F]{2})+"
const WIRE_PATH = new RegExp(`^/api/(?:user|hit|install)/${SEGMENT}/${SEGMENT}/$`)
const WIRE_QUERY = /^(?:[A-Za-z0-9*\-._+=&]|%[0-9A-F]{2})*$/

function wireProblems(request: WireRequest): string[] {
  const problems: string[] = []
  if (!WIRE_PATH.test(request.path)) problems.push(`malformed path ${request.path}`)
  if (!WIRE_QUERY.test(request.query)) problems.push(`malformed query ${request.query}`)
  const keys = [...new URLSearchParams(request.query).keys()]
  if (new Set(keys).size !== keys.length) problems.push(`repeated query key in ${request.query}`)
  return problems
}

const decoded = (request: WireRequest): ExpectedCall => ({
  origin: request.origin,
  path: request.path,
  query: Object.fromEntries(new URLSearchParams(request.query))
})

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * Why a failure's status and error code are not the answer's, or '' when they are: Convertro's status as it is,
 * with actions-core's code for it, so that the runtime retries it by its own rule (the oracle's `retryable`).
 */
function statusMismatch(failure: { status: number }, status: unknown, code: unknown): string {
  if (status !== failure.status) return `status ${status} for Convertro's ${failure.status}`
  if (code !== getErrorCodeFromHttpStatus(failure.status)) return `code ${code} for status ${failure.status}`
  return ''
}
const byUrl = (calls: ExpectedCall[]) => calls.map(urlOf).sort()

/** Why an error is not the one an expectation names, or '' when it is. */
function errorMismatch(expectation: Expectation, error: unknown): string {
  const message = error instanceof Error ? error.message : ''
  if (!message) return 'an error without a message'
  switch (expectation.kind) {
    case 'schema':
      return (error as Error).name === 'AggregateAjvError' ? '' : 'not the framework validation error'
    case 'frameworkCrash':
      return error instanceof TypeError && /personas/.test(message) ? '' : 'not the framework failure on a null context'
    case 'invalidPayload':
      return error instanceof PayloadValidationError && expectation.about.some((about) => about.test(message))
        ? ''
        : `not a PayloadValidationError about ${expectation.about.join(' or ')}`
    case 'invalidSettings':
      return error instanceof IntegrationError &&
        error.code === 'INVALID_SETTINGS' &&
        error.status === 400 &&
        expectation.settings.some((key) => message.includes(key))
        ? ''
        : `not an INVALID_SETTINGS error naming ${expectation.settings.join(' or ')}`
    case 'sent': {
      const failure = expectation.failure
      if (!failure) return 'an error where the event should succeed'
      if (!(error instanceof IntegrationError)) return `not an IntegrationError for status ${failure.status}`
      // A `retry` flag would override the runtime's rule for the status.
      if (error.retry !== undefined) return 'an error with its own retry flag'
      if (!message.startsWith(`Convertro answered ${failure.status}`)) return `a message not about ${failure.status}`
      return statusMismatch(failure, error.status, error.code)
    }
  }
}

/** Why a batch entry is not what an expectation says, or '' when it is. */
function entryMismatch(expectation: Expectation, entry: Record<string, unknown> | undefined): string {
  if (!entry) return 'no entry'
  const { status, errortype, errormessage } = entry as { status?: number; errortype?: string; errormessage?: string }
  switch (expectation.kind) {
    case 'schema':
      return status === 400 && errortype === 'PAYLOAD_VALIDATION_FAILED' && errormessage ? '' : 'not a validation entry'
    case 'invalidPayload':
      return status === 400 &&
        errortype === 'PAYLOAD_VALIDATION_FAILED' &&
        expectation.about.some((about) => about.test(errormessage ?? ''))
        ? ''
        : `not a validation entry about ${expectation.about.join(' or ')}`
    case 'invalidSettings':
      return 'a settings error fails the whole batch'
    case 'frameworkCrash':
      return 'a null context fails the whole batch'
    case 'sent': {
      const failure = expectation.failure
      const urls = (entry.sent as { urls?: unknown[] } | undefined)?.urls
      if (!failure) {
        return status !== undefined &&
          status >= 200 &&
          status <= 299 &&
          !errortype &&
          urls?.length === expectation.calls.length
          ? ''
          : 'not a success entry listing every call'
      }
      if (!errormessage?.startsWith(`Convertro answered ${failure.status}`)) {
        return `an entry not about ${failure.status}`
      }
      return statusMismatch(failure, status, errortype)
    }
  }
}

/** Runs a case through actions-core and returns every way it differs from the contract (none: it passed). */
export async function check(c: Case, definition = Definition): Promise<string[]> {
  const destination = runtimes.get(definition) ?? new Runtime(definition)
  runtimes.set(definition, destination)
  const answer = answerFrom(c.statuses)
  network.requests = []
  network.answer = answer
  let result: unknown
  let error: unknown
  try {
    result = await destination.run(
      c.action,
      c.settings as unknown as Settings,
      c.events as unknown as SegmentEvent[],
      c.batch
    )
  } catch (e) {
    error = e
  } finally {
    // actions-core keeps every response on the instance.
    destination.responses.splice(0)
  }
  const requests = network.requests
  const problems = requests.flatMap(wireProblems)
  const perEvent = c.events.map((event) => expectations(c.action, event, c.settings as JSONObject, answer, c.batch))
  const describe = () => {
    const short = (_: string, v: unknown) =>
      v instanceof RegExp ? String(v) : typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length})` : v
    const outcome =
      error === undefined
        ? `result ${JSON.stringify(result, short)}`
        : `error ${(error as Error)?.name}: ${(error as Error)?.message}`
    return `expected one of ${JSON.stringify(perEvent, short)}; sent ${JSON.stringify(
      requests,
      short
    )}; ${outcome.slice(0, 2000)}`
  }

  if (!c.batch) {
    const matched = perEvent[0].some((expectation) => {
      if (expectation.kind !== 'sent')
        return requests.length === 0 && error !== undefined && !errorMismatch(expectation, error)
      if (!same(requests.map(decoded), expectation.calls)) return false
      return expectation.failure ? error !== undefined && !errorMismatch(expectation, error) : error === undefined
    })
    if (!matched) problems.push(`differs from the contract: ${describe()}`)
    return problems
  }

  // A batch: a settings error (or the framework's failure on a null context, which comes first) fails it
  // whole, unless no event got past the framework's validation.
  // The framework's audience check reads every event of the batch, valid or not.
  const crash: Expectation[] = c.events.some(contextIsNull) ? [{ kind: 'frameworkCrash' }] : []
  const wholeBatch = [
    ...crash,
    ...perEvent.flatMap((outcomes) => outcomes.filter((o) => o.kind === 'invalidSettings'))
  ][0]
  if (wholeBatch && error !== undefined) {
    if (requests.length > 0 || errorMismatch(wholeBatch, error))
      problems.push(`differs from the contract: ${describe()}`)
    return problems
  }
  if (error !== undefined || !Array.isArray(result)) {
    problems.push(`batch failed as a whole: ${describe()}`)
    return problems
  }
  const entries = result as (Record<string, unknown> | undefined)[]
  if (entries.length !== c.events.length) problems.push(`${entries.length} entries for ${c.events.length} events`)
  const expectedCalls: ExpectedCall[] = []
  perEvent.forEach((outcomes, index) => {
    const match = outcomes.find((expectation) => !entryMismatch(expectation, entries[index]))
    if (!match) problems.push(`entry ${index} differs from the contract: ${describe()}`)
    else if (match.kind === 'sent') expectedCalls.push(...match.calls)
  })
  if (!same(byUrl(requests.map(decoded)), byUrl(expectedCalls))) problems.push(`batch requests differ: ${describe()}`)
  return problems
}

/** The property for an action's events (or batches): fast-check reports the seed and the shrunk case on failure. */
export function property(action: ActionKey, batch = false, definition = Definition) {
  return fc.asyncProperty(cases(action, batch), async (c) => {
    const problems = await check(c, definition)
    if (problems.length > 0) throw new Error(problems.join('\n'))
  })
}
