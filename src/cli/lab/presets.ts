import type { Answer, Scenario } from '../server/scenario'

/** One of the common ways Convertro answers, offered by the tester page and run by `scenarios`. */
export interface Preset {
  /** The answer's short name: its status as text (`"429"`), or `timeout`, `reset`… */
  id: string
  label: string
  scenario: Scenario
}

/** A scenario answering every call with one answer. */
const always = (answer: Answer): Scenario => ({ rules: [{ answers: [answer] }] })

const RETRY_AFTER = { 'Retry-After': '30' }

/** The statuses of the standard set, each answered to every call with Convertro's plain-text error. */
const STATUSES: [status: number, label: string][] = [
  [400, '400 Bad Request'],
  [401, '401 Unauthorized'],
  [404, '404 Not Found'],
  [408, '408 Request Timeout'],
  [423, '423 Locked']
]
const SERVER_ERRORS: [status: number, label: string][] = [
  [500, '500 Internal Server Error'],
  [501, '501 Not Implemented'],
  [503, '503 Service Unavailable']
]

const statusPreset = ([status, label]: [number, string]): Preset => ({
  id: String(status),
  label,
  scenario: always({ status })
})

/**
 * The standard answers, in the matrix's order. A timeout is an answer slower than `timeoutMs`, the request limit
 * the caller runs the destination with, so it is over in that time rather than actions-core's default 10 s.
 */
export function standardAnswers(timeoutMs: number): Preset[] {
  return [
    { id: '200', label: '200 OK', scenario: always({ status: 200 }) },
    ...STATUSES.map(statusPreset),
    { id: '429', label: '429 with Retry-After: 30', scenario: always({ status: 429, headers: RETRY_AFTER }) },
    ...SERVER_ERRORS.map(statusPreset),
    {
      id: 'timeout',
      label: `an answer slower than the ${timeoutMs} ms limit`,
      scenario: always({ status: 200, delayMs: timeoutMs * 4 })
    },
    { id: 'reset', label: 'a reset connection', scenario: always({ status: 200, fault: 'reset' }) }
  ]
}

/** Order Completed under the hybrid model makes two calls: the first (`sale.repeat`) passes, the second fails. */
export const HYBRID_SECOND_FAILS: Preset = {
  id: 'hybrid-second-fails',
  label: 'the first call passes, the second (typ=sale) answers 500',
  scenario: { rules: [{ kind: 'hit', typ: 'sale', answers: [{ status: 500 }] }] }
}

/** The tester page's "Convertro answers…" choices: the default first, then the common failures. */
export const TESTER_PRESETS: Preset[] = [
  { id: 'default', label: '200, as Convertro does', scenario: { rules: [] } },
  {
    id: '429-then-200',
    label: '429 (Retry-After: 30), then 200',
    scenario: { rules: [{ answers: [{ status: 429, headers: RETRY_AFTER }, { status: 200 }] }] }
  },
  ...standardAnswers(0)
    .filter((preset) => preset.id !== '200' && preset.id !== 'timeout')
    .map((preset) => ({ ...preset, id: preset.id === '429' ? '429-always' : preset.id })),
  {
    id: 'half-503',
    label: '503 on every other call',
    scenario: { rules: [{ share: 0.5, answers: [{ status: 503 }] }] }
  },
  { id: 'timeout', label: 'no answer (the call times out)', scenario: always({ status: 200, fault: 'timeout' }) },
  { id: 'empty', label: '200 with an empty body', scenario: always({ status: 200, fault: 'empty' }) },
  { id: 'malformed', label: '200 with a body cut short', scenario: always({ status: 200, fault: 'malformed' }) }
]
