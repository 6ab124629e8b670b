import type { NextFunction, Request, Response } from 'express'

export const BODY_LIMIT = '1mb'

/**
 * A page on any website can make the browser post to 127.0.0.1, or reach it by rebinding its own name
 * to it. Bound to loopback, the server answers only requests addressed to a loopback name.
 */
export function loopbackOnly(names: () => readonly string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    let name = ''
    try {
      name = new URL(`http://${req.headers.host ?? ''}`).hostname
    } catch {
      // An unparseable Host header is refused below like any foreign one.
    }
    if (names().includes(name)) return next()
    res
      .status(403)
      .json({ error: `Host "${req.headers.host ?? ''}" is not a loopback name: this server answers only on loopback` })
  }
}

/** Requests that change something must be JSON: a plain form or text post from another site is not. */
export function requireJson(req: Request, res: Response, next: NextFunction): void {
  if (req.is('application/json')) return next()
  res.status(415).json({ error: 'Send the body as JSON, with Content-Type: application/json' })
}

export function notFound(req: Request, res: Response): void {
  res.status(404).json({ error: `No route ${req.method} ${req.path}` })
}

/** Body-parser failures carry their type; anything else is ours and must not pass silently. */
export function errorHandler(log: (line: string) => void) {
  return (error: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    if (error.type === 'entity.parse.failed') {
      res.status(400).json({ error: `Malformed JSON: ${error.message}` })
    } else if (error.type === 'entity.too.large') {
      res.status(413).json({ error: `Request body is larger than ${BODY_LIMIT}` })
    } else if (error.status && error.status < 500) {
      res.status(error.status).json({ error: error.message })
    } else {
      log(`${req.method} ${req.path} failed: ${error.stack ?? error.message}`)
      res.status(500).json({ error: error.message })
    }
  }
}
