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
    id: 'S5',
    topic: 'events without `context.device.id`',
    modes: ['cloud'],
    reply:
      "Convertro requires `sid` on every call and the contract's default is `context.device.id`, which Segment's mobile SDKs set; a workspace whose sources do not set it maps Device ID to `anonymousId` in the mapping. An `@if` default falling back to `anonymousId` would change which device Convertro sees for existing users, so it is left as a product decision rather than made here."
  },
  {
    id: 'S11',
    topic: 'generated types and metadata.json',
    modes: ['cloud', 'device'],
    reply:
      "Checked against the monorepo's own generators on this export: `./bin/run generate:types` leaves every generated-types.ts byte-identical, and scripts/assert-metadata-payload.sh finds each metadata.json current."
  },
  {
    id: 'S12',
    topic: 'untyped object fields',
    modes: ['cloud', 'device'],
    reply:
      '`value` and `order` stay untyped objects: a typed `number` field would make actions-core\'s validation (ajv with coerceTypes) reject `"lots"` and fail the event, where Convertro\'s rule is to fall back to the next key or to 1, and a typed `boolean` would turn the string `"true"` into a repeat customer. Their labels and descriptions now say which keys are read and what they hold, without implementation detail.'
  },
  {
    id: 'S15',
    topic: 'browser bundle size',
    modes: ['device'],
    reply:
      "Built from the monorepo's inputs with esbuild and minified, it is about 55 kB brotli, within 2 % of hubspot-web and koala built the same way; the destination's own code is about 6 kB of it, the rest actions-core and the runtime. No actions-shared barrel is pulled in (the rules are copied into the package). size-limit's 315 kB is one budget over all bundles together, so `yarn build:browser-bundles && yarn browser size` in the monorepo is the check to run."
  },
  {
    id: 'N4',
    topic: 'error codes',
    modes: ['cloud', 'device'],
    reply:
      "actions-core has no predefined code for invalid settings (INVALID_AUTHENTICATION is for credentials), so `INVALID_SETTINGS` stays, as Quora keeps `INVALID_ACCOUNT_ID`; the device destination's load errors keep their own codes for the same reason."
  },
  {
    id: 'N6',
    topic: 'numeric timestamps',
    modes: ['cloud'],
    reply:
      "A mapped number is read as epoch milliseconds, as JavaScript's Date reads it; a numeric string of 13 characters as milliseconds and of any other length as seconds. Segment's own `timestamp`, the default, is an ISO string."
  },
  {
    id: 'N9',
    topic: '`searchParams`',
    modes: ['cloud'],
    reply:
      "Given `searchParams`, actions-core's request client parses the URL again and builds the Request twice more; the query is built with URLSearchParams and put into the URL instead, which cost measurably less per event in the project's benchmark."
  },
  {
    id: 'N10',
    topic: "`redirect: 'manual'`",
    modes: ['cloud'],
    reply:
      'A redirect would send the event to a host the settings never named. A permanent 301 from Convertro would fail every event (not retried) until the Domain setting names the new host; the docs say so.'
  },
  {
    id: 'N11',
    topic: 'test style',
    modes: ['cloud'],
    reply:
      'Real sockets only where the behaviour needs one (a reset, a refused connection, a 304 over the wire), through a routed agent to a local server; status tables cover 400-599 because the retry rule is per status; every test compares the whole list of requests made.'
  },
  {
    id: 'N12',
    topic: 'snapshot tests',
    modes: ['cloud'],
    reply:
      "Kept in the CLI template's form, which the monorepo's CI runs, with fixed valid settings; the block of real events through the default mappings is what checks the wire."
  },
  {
    id: 'N14',
    topic: 'test helpers in the web `src/`',
    modes: ['device'],
    reply: 'A `src/test-utils.ts` beside the destination has precedent (bucket, heap, logrocket, playerzero-web).'
  },
  {
    id: 'N15',
    topic: '`testDestination.responses = []`',
    modes: ['cloud'],
    reply:
      'Kept: actions-core keeps every response on a reused test Destination, so a test that asserts what was answered starts from none.'
  },
  {
    id: 'N16',
    topic: 'device-mode client',
    modes: ['device'],
    reply:
      'Kept as the review found it: actions push to the current `window.$CVO`, which live.js replaces when it loads.'
  },
  {
    id: 'N17',
    topic: 'hidden batch size',
    modes: ['cloud'],
    reply:
      'Batching stays, off by default (S1): Batch Size is hidden and bounded (1-100, default 50), and a batch stops sending after 10 s, so a slow Convertro cannot hold it for minutes.'
  }
]

/** The replies that apply to one mode's PR, in the review's order. */
export const repliesFor = (mode: Mode): ReviewReply[] => REVIEW_REPLIES.filter((reply) => reply.modes.includes(mode))
