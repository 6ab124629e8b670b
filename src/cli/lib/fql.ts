import { generateFql, parseFql } from '@segment/destination-subscriptions'
import type { ErrorCondition } from '@segment/destination-subscriptions'

/** A query with spacing outside string literals removed and `exists` spelt as the parser writes it. */
function canonical(query: string): string {
  return query
    .split(/("(?:[^"\\]|\\.)*")/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/\bexists\b/g, '!= null').replace(/\s+/g, '')))
    .join('')
}

/**
 * Why a subscription query is unusable, or undefined when it is fine. The parser is lenient: it drops
 * what it cannot read (`not (…)`, a dangling `and`, an escaped quote) instead of failing, so a query is
 * only accepted when the parser's reading, written back out, says what the query says.
 */
export function fqlProblem(query: string): string | undefined {
  const parsed = parseFql(query)
  const error = (parsed as ErrorCondition).error
  if (error) return `cannot be parsed${error.message ? `: ${error.message}` : ''}`
  const reading = generateFql(parsed)
  if (canonical(reading) !== canonical(query)) return `is read as \`${reading}\`, which is not what it says`
  return undefined
}

/** The FQL string literal for a value, or undefined when FQL cannot express it (it has no escapes). */
export function fqlString(value: string): string | undefined {
  return value.includes('"') || value.includes('\\') ? undefined : `"${value}"`
}
