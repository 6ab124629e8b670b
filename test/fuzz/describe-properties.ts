import fc from 'fast-check'
import { expectations } from './oracle'
import type { ActionKey } from './oracle'
import { answerFrom, cases, interceptNetwork, property } from './property'

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

    it('spends most of its cases on events that reach Convertro', () => {
      // A generator that mostly makes rejected events would leave the sending path barely tested.
      const sent = fc
        .sample(cases(action), { numRuns: CI_RUNS, seed: CI_SEED })
        .flatMap((c) => expectations(action, c.events[0], c.settings, answerFrom(c.statuses)))
        .flatMap((outcome) => (outcome.kind === 'sent' ? [outcome] : []))
      expect(sent.length).toBeGreaterThanOrEqual(CI_RUNS * 0.3)
      expect(sent.filter((outcome) => outcome.failure).length).toBeGreaterThanOrEqual(CI_RUNS * 0.05)
      if (action === 'orderCompleted') {
        expect(sent.filter((outcome) => outcome.calls.length === 2).length).toBeGreaterThanOrEqual(20)
      }
    })

    it(`gives one result per event for ${CI_RUNS / 10} arbitrary batches`, async () => {
      interceptNetwork()
      await fc.assert(property(action, true), { numRuns: CI_RUNS / 10, seed: CI_SEED })
    }, 120_000)
  })
}
