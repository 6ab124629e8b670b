import express from 'express'
import { TESTER_PRESETS } from '../lab/presets'
import { ScenarioError, parseScenario } from './scenario'
import type { ScenarioPlayer } from './scenario'

/**
 * The collector's scenario, for tests and the tester page: `PUT /collector/scenario` sets one (played from its first
 * call), `DELETE` goes back to answering as Convertro does, `GET` shows it and how far it has got;
 * `GET /collector/scenarios` lists the tester page's choices. A scenario that is not one is answered 400 with why.
 */
export function scenarioRoutes(player: ScenarioPlayer, callKinds: () => readonly string[]): express.Router {
  const router = express.Router()
  router.get('/collector/scenarios', (_req, res) => {
    res.json(TESTER_PRESETS)
  })
  router.get('/collector/scenario', (_req, res) => {
    res.json(player.state())
  })
  router.put('/collector/scenario', (req, res) => {
    // JSON only, as every route that changes something: a form from another site cannot send it.
    if (!req.is('application/json')) {
      res.status(400).json({ error: 'Send the scenario as JSON, with Content-Type: application/json' })
      return
    }
    try {
      player.set(parseScenario(req.body, callKinds()))
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error
      res.status(400).json({ error: error.message })
      return
    }
    res.json(player.state())
  })
  router.delete('/collector/scenario', (_req, res) => {
    player.reset()
    res.json(player.state())
  })
  return router
}
