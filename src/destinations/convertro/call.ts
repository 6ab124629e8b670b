import { PayloadValidationError } from '@segment/actions-core'
import type { CALL_KINDS } from './constants'
import { isAmount } from '../../shared/convertro-rules'

// Payload → call: the query of one Convertro GET, with its values formatted as Convertro reads them.

export type CallKind = typeof CALL_KINDS[number]

/** The query string of a Convertro call, with Convertro's wire names. Absent keys are not sent. */
export interface ConvertroQuery {
  /** Device id: required on every call. */
  sid: string
  /** Event time, whole Unix seconds. */
  ts: string
  /** User agent. */
  cua?: string
  /** IP address. */
  cip?: string
  /** User id (user calls). */
  id?: string
  /** Convertro event type (hit calls). */
  typ?: string
  /** Event value, a plain decimal (hit calls). */
  val?: string
  /** Order id (hit calls). */
  eid?: string
  /** App name (install calls). */
  app?: string
  /** App version (install calls). */
  apv?: string
}

/** One GET to Convertro: which endpoint, with which query. */
export interface ConvertroCall {
  kind: CallKind
  query: ConvertroQuery
}

/** The fields every action maps from the event's device context (`contextFields`), as its Payload has them. */
export interface EventContext {
  device_id: string
  timestamp: string | number
  user_agent?: string
  ip?: string
}

// A decimal as JavaScript writes it: `String(50.99)`, `String(1e21)` (exponent form) or a decimal literal.
const NUMERAL = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/

/**
 * A numeral as a plain decimal string: `String(value)` of a number (exponent form too) or a plain decimal literal,
 * written out digit by digit, so no digit of a long decimal string is lost to floating point.
 */
export function writeDecimal(numeral: string): string {
  const [, sign, whole, fraction = '', exponent = '0'] = NUMERAL.exec(numeral) as RegExpExecArray
  const digits = whole + fraction
  const point = whole.length + Number(exponent)
  const padded = point <= 0 ? '0'.repeat(1 - point) + digits : digits.padEnd(point, '0')
  const at = Math.max(point, 1)
  const integer = padded.slice(0, at).replace(/^0+(?=\d)/, '')
  const decimals = padded.slice(at).replace(/0+$/, '')
  const text = decimals ? `${integer}.${decimals}` : integer
  return text === '0' ? text : sign + text
}

/** A number or a plain decimal string as a plain decimal string (never exponent form); anything else is absent. */
export function toDecimal(value: unknown): string | undefined {
  if (!isAmount(value)) return undefined
  const numeral = String(value)
  // A number JavaScript writes without an exponent is already written as writeDecimal would write it: no leading
  // zero, no trailing zero after the point, no "-0".
  return typeof value === 'number' && !numeral.includes('e') ? numeral : writeDecimal(numeral)
}

/** The first of the values that is an amount, as a plain decimal; Convertro's default value is 1. */
export function amount(...candidates: unknown[]): string {
  return toDecimal(candidates.find(isAmount)) ?? '1'
}

/** The furthest a JavaScript Date reaches either side of the epoch, in milliseconds. */
const MAX_TIME_MS = 8.64e15

/**
 * Event time as whole Unix seconds, truncated. Reads what actions-core's `datetime` check accepts: date
 * strings, epoch milliseconds as a number, and numeric strings (13 characters: milliseconds, else seconds).
 */
export function toUnixSeconds(value: string | number | undefined): string | undefined {
  if (value === undefined || value === '') return undefined
  let ms: number
  if (typeof value === 'number') ms = value
  else if (String(Number(value)) === value) ms = value.length === 13 ? Number(value) : Number(value) * 1000
  else ms = Date.parse(value)
  // Only a time a Date can hold is an event time: beyond it, `ts` would go out as a huge or exponent-form number.
  return Math.abs(ms) <= MAX_TIME_MS ? String(Math.trunc(ms / 1000)) : undefined
}

/**
 * The query of a call; parameters with no value are left out (`0` and `false` are values). Empty text is no
 * value: actions-core drops an empty field from a single event but keeps it in a batch.
 */
export function toSearchParams(query: ConvertroQuery): URLSearchParams {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.append(key, String(value))
  }
  return params
}

/** A Convertro call carrying the event's device context. Throws when the event lacks what Convertro requires. */
export function convertroCall(
  kind: CallKind,
  context: EventContext,
  params: Omit<ConvertroQuery, 'sid' | 'ts' | 'cua' | 'cip'> = {}
): ConvertroCall {
  const sid = context.device_id
  if (!sid?.trim()) {
    throw new PayloadValidationError(
      'Missing device id: Convertro requires `sid` on every call. Map "Device ID" (default: context.device.id).'
    )
  }
  const ts = toUnixSeconds(context.timestamp)
  if (ts === undefined) {
    throw new PayloadValidationError('Missing or invalid timestamp: Convertro requires `ts` on every call.')
  }
  return { kind, query: { sid, ts, cua: context.user_agent, cip: context.ip, ...params } }
}

/** A query parameter Convertro requires on this call; if missing, a PayloadValidationError naming it and its field. */
export function requireParam(value: string | undefined, field: string, param: string): string {
  if (!value?.trim()) {
    throw new PayloadValidationError(`Missing ${field}: Convertro requires \`${param}\` on this call.`)
  }
  return value
}
