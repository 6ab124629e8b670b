import type { Response } from 'express'
import type { Answer } from './scenario'

/** Whether the caller gets no answer at all: none comes, or the connection is reset. */
const unanswered = ({ fault }: Answer) => fault === 'timeout' || fault === 'reset'

/** The status the caller gets, as the collector records it: 0 when it gets none. */
export const statusSent = (answer: Answer): number => (unanswered(answer) ? 0 : answer.status)

/** An answer in a few words, as the collector's records show it: `429`, `timeout`, `503, after 200 ms`. */
export function describeAnswer(answer: Answer): string {
  const { status, fault, delayMs } = answer
  const what = unanswered(answer) ? String(fault) : fault ? `${status} ${fault}` : String(status)
  return delayMs ? `${what}, after ${delayMs} ms` : what
}

/** The body an answer has when its scenario gives none: the pixel for a 2xx, as Convertro answers, else a line. */
function defaultBody({ status }: Answer, pixel: Buffer): { type: string; body: Buffer | string } {
  if (status >= 200 && status <= 299) return { type: 'image/gif', body: pixel }
  return { type: 'text/plain', body: `The collector answers ${status}, as its scenario says` }
}

/** Answers now, as the answer says. */
function answerNow(answer: Answer, res: Response, pixel: Buffer): void {
  const { status, fault, headers = {} } = answer
  // Nothing at all: the caller waits until its own timeout gives up, which closes the connection.
  if (fault === 'timeout') return
  // A TCP reset, as a server that crashes or a proxy that drops the call sends it.
  if (fault === 'reset') {
    res.socket?.resetAndDestroy()
    return
  }
  const { type, body: fallback } = defaultBody(answer, pixel)
  const body = answer.body ?? fallback
  res.status(status).type(type).set(headers)
  if (fault === 'empty') {
    res.end()
    return
  }
  if (fault === 'malformed') {
    // A body cut short: it says how long it is, half of it comes, and the connection ends.
    const bytes = Buffer.from(body)
    res.set('Content-Length', String(bytes.length + 1))
    res.write(bytes.subarray(0, Math.ceil(bytes.length / 2)), () => res.socket?.destroy())
    return
  }
  res.send(body)
}

/** Answers a call as a scenario told, after its delay; a caller that has gone meanwhile is answered nothing. */
export function answerWith(answer: Answer, res: Response, pixel: Buffer): void {
  if (!answer.delayMs) return answerNow(answer, res, pixel)
  const timer = setTimeout(() => answerNow(answer, res, pixel), answer.delayMs)
  res.once('close', () => clearTimeout(timer))
}
