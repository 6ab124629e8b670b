import fs from 'fs'
import path from 'path'
import type { SegmentEvent } from '@segment/actions-core'
import { PROJECT_ROOT } from './paths'

/**
 * Settings a newcomer can send with, in either mode from the same box: `account` is the browser destination's
 * setting (the cloud one ignores it), the rest the cloud one's. No domain, so calls land in the local collector.
 */
export const SAMPLE_SETTINGS = { account: 'acme', clientName: 'acme', siteId: '1' }

const EXAMPLES = path.join(PROJECT_ROOT, 'examples/events')

/** A realistic event for each action, as Segment would deliver it: `examples/events/<action>.json`. */
export const SAMPLE_EVENTS: Record<string, SegmentEvent> = Object.fromEntries(
  fs
    .readdirSync(EXAMPLES)
    .filter((file) => file.endsWith('.json'))
    .map((file) => [
      path.basename(file, '.json'),
      JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as SegmentEvent
    ])
)
