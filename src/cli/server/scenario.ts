import { isObject } from '@segment/actions-core'
import { readJson } from '../lib/io'

/**
 * How the collector answers Convertro's calls when told to misbehave: a scenario is a list of rules, each for a
 * call kind (and optionally a `typ`), each answering with a sequence of answers, call by call, or on a share of
 * its calls. Calls no rule takes are answered as Convertro answers them.
 */

/** What goes wrong besides the status: no answer at all, a reset connection, an empty body or one cut short. */
export const FAULTS = ['timeout', 'reset', 'empty', 'malformed'] as const
export type Fault = typeof FAULTS[number]

export interface Answer {
  /** 100 to 599; 200 by default. */
  status: number
  /** The body; by default the tracking pixel for a 2xx, else a line of text naming the status. */
  body?: string
  headers?: Record<string, string>
  /** Wait this long before answering. */
  delayMs?: number
  fault?: Fault
}

export interface Rule {
  /** The call kind the rule takes (`user`, `hit`, `install`); every kind when absent. */
  kind?: string
  /** The `typ` the rule takes (hit calls); every one when absent. */
  typ?: string
  /** Given in turn, call by call; the last one is repeated once reached, unless `cycle` starts them over. */
  answers: Answer[]
  cycle?: boolean
  /** The share of the rule's calls it takes (0 to 1, evenly spread: 0.5 is every other call); all by default. */
  share?: number
}

export interface Scenario {
  name?: string
  rules: Rule[]
}

/** The longest wait an answer may have: longer than any request timeout of actions-core. */
export const MAX_DELAY_MS = 120_000

/** A scenario that is not one, with where and why. */
export class ScenarioError extends Error {}

const fail = (where: string, why: string): never => {
  throw new ScenarioError(`${where}: ${why}`)
}

function onlyKeys(value: Record<string, unknown>, keys: readonly string[], where: string): void {
  const unknown = Object.keys(value).filter((key) => !keys.includes(key))
  if (unknown.length > 0) fail(where, `unknown key "${unknown[0]}" (expected ${keys.join(', ')})`)
}

function statusOf(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 100 || value > 599) {
    return fail(where, `${JSON.stringify(value)} is not a status from 100 to 599`)
  }
  return value
}

/** An answer as written: a status (`429`), a fault (`"timeout"`), or an object. */
function parseAnswer(value: unknown, where: string): Answer {
  if (typeof value === 'number') return { status: statusOf(value, where) }
  if (typeof value === 'string') {
    if (!(FAULTS as readonly string[]).includes(value)) {
      fail(where, `"${value}" is not a fault (${FAULTS.join(', ')}); give a status as a number`)
    }
    return { status: 200, fault: value as Fault }
  }
  if (!isObject(value)) return fail(where, 'an answer is a status, a fault or an object')
  onlyKeys(value, ['status', 'body', 'headers', 'delayMs', 'fault'], where)
  const answer: Answer = { status: value.status === undefined ? 200 : statusOf(value.status, `${where}.status`) }
  if (value.body !== undefined) {
    if (typeof value.body !== 'string') fail(`${where}.body`, 'the body is text')
    answer.body = value.body as string
  }
  if (value.headers !== undefined) {
    if (!isObject(value.headers)) return fail(`${where}.headers`, 'headers are an object of names and text values')
    for (const [name, header] of Object.entries(value.headers)) {
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(name)) fail(`${where}.headers`, `"${name}" is not a header name`)
      if (typeof header !== 'string' || /[\r\n]/.test(header)) {
        fail(`${where}.headers.${name}`, 'a header value is one line of text')
      }
    }
    answer.headers = value.headers as Record<string, string>
  }
  if (value.delayMs !== undefined) {
    const delay = value.delayMs
    if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_MS) {
      fail(`${where}.delayMs`, `a whole number of milliseconds from 0 to ${MAX_DELAY_MS}`)
    }
    answer.delayMs = delay as number
  }
  if (value.fault !== undefined) {
    if (!(FAULTS as readonly string[]).includes(value.fault as string)) {
      fail(`${where}.fault`, `${JSON.stringify(value.fault)} is not one of ${FAULTS.join(', ')}`)
    }
    answer.fault = value.fault as Fault
  }
  return answer
}

function parseRule(value: unknown, where: string, kinds: readonly string[]): Rule {
  if (!isObject(value)) return fail(where, 'a rule is an object with "answers"')
  onlyKeys(value, ['kind', 'typ', 'answers', 'answer', 'cycle', 'share'], where)
  const rule: Rule = { answers: [] }
  if (value.kind !== undefined) {
    if (typeof value.kind !== 'string' || !kinds.includes(value.kind)) {
      fail(`${where}.kind`, `${JSON.stringify(value.kind)} is not a call kind (${kinds.join(', ')})`)
    }
    rule.kind = value.kind as string
  }
  if (value.typ !== undefined) {
    if (typeof value.typ !== 'string' || value.typ === '') fail(`${where}.typ`, 'a typ is non-empty text')
    rule.typ = value.typ as string
  }
  // `answer` is the one-answer spelling of `answers`.
  if (value.answer !== undefined && value.answers !== undefined) fail(where, 'give "answers" or "answer", not both')
  const answers = value.answers ?? (value.answer === undefined ? undefined : [value.answer])
  if (!Array.isArray(answers) || answers.length === 0) return fail(`${where}.answers`, 'a non-empty list of answers')
  rule.answers = answers.map((answer, index) => parseAnswer(answer, `${where}.answers[${index}]`))
  if (value.cycle !== undefined) {
    if (typeof value.cycle !== 'boolean') fail(`${where}.cycle`, 'true or false')
    rule.cycle = value.cycle as boolean
  }
  if (value.share !== undefined) {
    const share = value.share
    if (typeof share !== 'number' || !(share > 0 && share <= 1)) fail(`${where}.share`, 'a number above 0, at most 1')
    rule.share = share as number
  }
  return rule
}

/** A scenario from its JSON, every part checked; `kinds` are the call kinds the collector answers. */
export function parseScenario(value: unknown, kinds: readonly string[]): Scenario {
  if (!isObject(value)) return fail('The scenario', 'it must be an object with "rules"')
  onlyKeys(value, ['name', 'rules'], 'The scenario')
  if (value.name !== undefined && typeof value.name !== 'string') fail('name', 'the name is text')
  if (!Array.isArray(value.rules)) return fail('rules', 'a list of rules (an empty one answers as Convertro does)')
  const rules = value.rules.map((rule, index) => parseRule(rule, `rules[${index}]`, kinds))
  return { ...(value.name !== undefined && { name: value.name as string }), rules }
}

/** The scenario that changes nothing: every call answered as Convertro answers it. */
export const DEFAULT_SCENARIO: Scenario = { name: 'Convertro answers 200', rules: [] }

/** What one call gets: an answer of a rule, or Convertro's own (undefined). */
export class ScenarioPlayer {
  private current: Scenario = DEFAULT_SCENARIO
  /** Calls each rule matched, and answered. */
  private matched: number[] = []
  private answered: number[] = []

  get scenario(): Scenario {
    return this.current
  }

  /** Plays this scenario from its first call. */
  set(scenario: Scenario): void {
    this.current = scenario
    this.matched = scenario.rules.map(() => 0)
    this.answered = scenario.rules.map(() => 0)
  }

  reset(): void {
    this.set(DEFAULT_SCENARIO)
  }

  /** The answer for the next call of this kind and typ: the first rule that takes it decides. */
  answerFor(kind: string, typ: string | undefined): Answer | undefined {
    const index = this.current.rules.findIndex(
      (rule) => (rule.kind === undefined || rule.kind === kind) && (rule.typ === undefined || rule.typ === typ)
    )
    if (index === -1) return undefined
    const rule = this.current.rules[index]
    const n = ++this.matched[index]
    // Call n is taken when the share's running count goes up on it: 0.5 takes calls 2, 4, 6…
    const share = rule.share ?? 1
    if (Math.floor(n * share) === Math.floor((n - 1) * share)) return undefined
    const turn = this.answered[index]++
    const { answers } = rule
    return answers[rule.cycle ? turn % answers.length : Math.min(turn, answers.length - 1)]
  }

  /** The scenario and how far each rule has got, for the route that shows it. */
  state() {
    return {
      scenario: this.current,
      calls: this.matched.map((matched, i) => ({ matched, answered: this.answered[i] }))
    }
  }
}

/** A scenario file (`serve --scenario`), with an error naming the file and the part that is wrong. */
export function readScenarioFile(file: string, kinds: readonly string[]): Scenario {
  try {
    return parseScenario(readJson(file), kinds)
  } catch (error) {
    const message = (error as Error).message
    throw new Error(error instanceof ScenarioError ? `--scenario ${file} is not a scenario: ${message}` : message)
  }
}
