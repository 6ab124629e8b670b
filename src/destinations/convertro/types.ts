import type { CALL_KINDS } from './constants'
import type { contextFields } from './fields'
import type { Payload as IdentifyUserPayload } from './identifyUser/generated-types'

export type CallKind = (typeof CALL_KINDS)[number]

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

/** The fields every action maps from the event's device context, as every action's Payload has them. */
export type EventContext = Pick<IdentifyUserPayload, keyof typeof contextFields>

/** Where calls go, resolved once from the settings. */
export interface Endpoint {
  /** `https://host[:port]` (or `http://` for loopback hosts). */
  origin: string
  /** `/{clientName}/{siteId}/`, each segment percent-encoded. */
  path: string
}
