import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import { COLLECTOR_HOST } from '../lib/collector-host'
import { parseJson } from '../lib/json'
import type { JsonInputError } from '../lib/json'

export const BODY_LIMIT = '1mb'

/** The names of this machine's loopback addresses, as a URL's host gives them. */
export const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]']

/** A Convertro call, the one kind of request the local tools address to the collector's host. */
const COLLECTOR_CALL = /^\/api\//

/**
 * A page on any website can make the browser post to 127.0.0.1, or reach it by rebinding its own name
 * to it. Bound to loopback, the server answers only requests addressed to a loopback name, and Convertro's
 * calls addressed to the collector's host (`convertro.test`, routed here by the local tools' own connections:
 * a browser reaches this server by that name only if the machine's own resolver says so).
 */
export function loopbackOnly() {
  return (req: Request, res: Response, next: NextFunction): void => {
    let name = ''
    try {
      name = new URL(`http://${req.headers.host ?? ''}`).hostname
    } catch {
      // An unparseable Host header is refused below like any foreign one.
    }
    if (LOOPBACK_NAMES.includes(name)) return next()
    if (name === COLLECTOR_HOST && req.method === 'GET' && COLLECTOR_CALL.test(req.path)) return next()
    res
      .status(403)
      .json({ error: `Host "${req.headers.host ?? ''}" is not a loopback name: this server answers only on loopback` })
  }
}

/**
 * JSON bodies, read through the one JSON intake: bounded in size and depth, so a body nested thousands of
 * levels deep is refused here rather than overflowing the stack in whatever handles it next.
 */
export function jsonBody() {
  const raw = express.raw({ type: 'application/json', limit: BODY_LIMIT })
  return (req: Request, res: Response, next: NextFunction): void => {
    raw(req, res, (error?: unknown) => {
      if (error || !Buffer.isBuffer(req.body)) return next(error)
      const text = req.body.toString('utf8')
      try {
        // An empty body is no body, as Express's own JSON parser has it.
        req.body = text.trim() === '' ? {} : parseJson(text)
      } catch (failure) {
        const { syntax, message } = failure as JsonInputError
        res.status(400).json({ error: syntax === undefined ? `The body is ${message}` : `Malformed JSON: ${syntax}` })
        return
      }
      next()
    })
  }
}

/** Requests that change something must be JSON: a plain form or text post from another site is not. */
export function requireJson(req: Request, res: Response, next: NextFunction): void {
  if (req.is('application/json')) return next()
  res.status(415).json({ error: 'Send the body as JSON, with Content-Type: application/json' })
}

/**
 * The tester page's own files only: its scripts (the device-mode bundle and the live.js stand-in included), styles,
 * images and calls all come from this server, so the page can load nothing from a CDN, and a value shown from an
 * event could not run as script even if it were ever inserted as markup.
 */
export const PAGE_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

/** Headers for the tester page's files. */
export function pageHeaders(res: Response, file: string): void {
  res.set('X-Content-Type-Options', 'nosniff')
  if (file.endsWith('.html')) res.set('Content-Security-Policy', PAGE_POLICY)
}

export function notFound(req: Request, res: Response): void {
  res.status(404).json({ error: `No route ${req.method} ${req.path}` })
}

/** Body-parser failures carry their type; anything else is ours and must not pass silently. */
export function errorHandler(log: (line: string) => void) {
  return (error: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    if (error.type === 'entity.too.large') {
      res.status(413).json({ error: `Request body is larger than ${BODY_LIMIT}` })
    } else if (error.status && error.status < 500) {
      res.status(error.status).json({ error: error.message })
    } else {
      log(`${req.method} ${req.path} failed: ${error.stack ?? error.message}`)
      res.status(500).json({ error: error.message })
    }
  }
}
