import fc from 'fast-check'
import type { ActionKey } from './oracle'
import { interceptNetwork, property } from './property'

/** Cases per action in CI: enough to cover every generator branch many times, cheap enough for every run. */
export const CI_RUNS = 1000
/** Fixed so that CI is repeatable; `npm run fuzz` explores other seeds. fast-check prints it on failure. */
export const CI_SEED = 7_2026

/** The property-based tests of one action: single events, then batches. */
export function describeProperties(action: ActionKey) {
  describe(`Convertro.${action}, property-based`, () => {
    it(`makes exactly the contract's requests, or fails with a typed error, for ${CI_RUNS} arbitrary events`, async () => {
      interceptNetwork()
      await fc.assert(property(action), { numRuns: CI_RUNS, seed: CI_SEED })
    }, 120_000)

    it(`gives one result per event for ${CI_RUNS / 10} arbitrary batches`, async () => {
      interceptNetwork()
      await fc.assert(property(action, true), { numRuns: CI_RUNS / 10, seed: CI_SEED })
    }, 120_000)
  })
}
