import path from 'path'
import express from 'express'
import { LIVE_JS, bundleForBrowser } from '../lib/device-mode'
import { PROJECT_ROOT } from '../lib/paths'

/** The tester page's device mode: the browser destination, built for the page from its source. */
const RUNNER = path.join(PROJECT_ROOT, 'src/cli/server/device/runner.ts')

/**
 * The tester page's device mode: the browser destination bundled for the page, and the live.js stand-in it loads
 * instead of Convertro's, so the page needs nothing from any other host. The bundle is built on first request
 * (a few seconds), not at start, so a serve whose page never runs device mode pays nothing for it.
 */
export function deviceRoutes(onReload: (listener: () => void) => void, log: (line: string) => void): express.Router {
  let bundle: Promise<string> | undefined
  // A change to the destination's source is picked up by the next page load, as the server's own reload is.
  onReload(() => (bundle = undefined))
  const router = express.Router()
  // Scripts, as the page's own files are: never to be read as anything else.
  router.use('/device', (_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff')
    next()
  })
  router.get('/device/runner.js', async (_req, res) => {
    const building = (bundle ??= bundleForBrowser(RUNNER))
    try {
      res.type('text/javascript').send(await building)
    } catch (error) {
      if (bundle === building) bundle = undefined
      const message = `The browser destination does not build for the tester page: ${(error as Error).message}`
      log(message)
      res.status(500).type('text/plain').send(message)
    }
  })
  router.get('/device/live.js', (_req, res) => {
    res.type('text/javascript').send(LIVE_JS)
  })
  return router
}
