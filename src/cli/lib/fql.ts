import { generateFql, parseFql } from '@segment/destination-subscriptions'
import type { ErrorCondition } from '@segment/destination-subscriptions'

/**
 * Why a subscription query is unusable, or undefined when it is fine. The parser is lenient: it drops
 * what it cannot read (`not (…)`, a dangling `and`, an escaped quote) instead of failing, so a query is
 * only accepted when the parser's reading, written back out, is the query itself.
 */
export function fqlProblem(query: string): string | undefined {
  const parsed = parseFql(query)
  const error = (parsed as ErrorCondition).error
  if (error) return `cannot be parsed${error.message ? `: ${error.message}` : ''}`
  const reading = generateFql(parsed)
  if (reading !== query.trim()) return `is read as \`${reading}\`: the rest of the query would be ignored`
  return undefined
}

/** The FQL string literal for a value, or undefined when FQL cannot express it (it has no escapes). */
export function fqlString(value: string): string | undefined {
  return value.includes('"') || value.includes('\\') ? undefined : `"${value}"`
}
