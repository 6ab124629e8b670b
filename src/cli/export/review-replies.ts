import type { Mode } from './layout'

/**
 * The maintainer's review comments that the pull requests answer with a reason instead of a change, one line each,
 * as `export --pr-body` writes them into each PR's description: only those about files that PR carries. Edit the
 * wording here.
 */
export interface ReviewReply {
  /** The comment's label in the review (S11, N4, …). */
  id: string
  /** What the comment is about, in a few words. */
  topic: string
  /** The PRs it applies to. */
  modes: Mode[]
  reply: string
}

export const REVIEW_REPLIES: ReviewReply[] = [
  {
    id: 'S11',
    topic: 'generated types and metadata.json',
    modes: ['cloud', 'device'],
    reply:
      "They come from the project's generator, checked byte for byte against the monorepo's `generate:types` and metadata generator by running them in the monorepo: the harness run shows no diff."
  },
  {
    id: 'S12',
    topic: 'untyped object fields',
    modes: ['cloud', 'device'],
    reply:
      'The object fields `value` and `order` stay untyped so that Convertro\'s "read as sent, fall back to 1" rule holds: actions-core\'s ajv `coerceTypes` would coerce or reject a typed value. Their labels and descriptions now say what they hold.'
  },
  {
    id: 'N4',
    topic: 'INVALID_SETTINGS error code',
    modes: ['cloud', 'device'],
    reply: 'actions-core has no predefined code for invalid settings; INVALID_AUTHENTICATION is for credentials.'
  },
  {
    id: 'N9',
    topic: '`searchParams`',
    modes: ['cloud'],
    reply: 'The query is built into the URL instead of `searchParams`: measured cheaper, see docs/benchmarks.md.'
  },
  {
    id: 'N10',
    topic: "`redirect: 'manual'`",
    modes: ['cloud'],
    reply:
      'A redirect would send the event to a host the settings never named; a permanent 301 fails every event, and the docs say so.'
  },
  {
    id: 'N11',
    topic: 'test style',
    modes: ['cloud'],
    reply:
      "Real sockets only where a timeout or a reset must be real; the project's recorder asserts whole request lists."
  },
  {
    id: 'N12',
    topic: 'snapshot tests',
    modes: ['cloud'],
    reply: "Kept in the CLI template's form because the monorepo's CI runs them."
  },
  {
    id: 'N14',
    topic: 'test helpers in the web `src/`',
    modes: ['device'],
    reply: 'A `src/test-utils.ts` has precedent: bucket, heap, logrocket.'
  },
  {
    id: 'N15',
    topic: '`testDestination.responses = []`',
    modes: ['cloud'],
    reply: 'Responses are emptied per test because actions-core keeps every response on a reused Destination.'
  },
  {
    id: 'N16',
    topic: 'device-mode client',
    modes: ['device'],
    reply: 'Accepted as is.'
  }
]

/** The replies that apply to one mode's PR, in the review's order. */
export const repliesFor = (mode: Mode): ReviewReply[] => REVIEW_REPLIES.filter((reply) => reply.modes.includes(mode))
