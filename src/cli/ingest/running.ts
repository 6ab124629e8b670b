import fs from 'fs'
import path from 'path'
import type { JSONObject } from '@segment/actions-core'
import { collectorAddress } from '../lib/collector-host'
import type { CollectorAddress } from '../lib/collector-host'
import { DEFAULT_JOURNAL } from '../lib/paths'
import { sendsToCollector } from '../routing/settings'
import { liveHolder, lockFileOf } from './journal'

/** How long a running server has to answer before replay says it does not. */
const PROBE_TIMEOUT_MS = 3000

const startOne = (command: string) =>
  `start one with \`npm start\`, or give --collector URL${command === 'replay' ? ' or settings with a domain' : ''}`

function realPath(file: string): string {
  try {
    return fs.realpathSync(file)
  } catch {
    return path.resolve(file)
  }
}

/**
 * The collector of the `serve` running on this project's default journal (`npm start`, on whatever port), for
 * calls to `convertro.test`. Its journal's lock says where it answers; it is asked once, so a server that is gone
 * or hung is said in one line rather than in a failure per event.
 */
export async function runningCollector(command: string, journal = DEFAULT_JOURNAL): Promise<CollectorAddress> {
  const shown = path.relative(process.cwd(), journal)
  const held = liveHolder(lockFileOf(realPath(journal)))
  if (!held?.url) throw new Error(`${command}: no server is running (none holds ${shown}): ${startOne(command)}`)
  try {
    const response = await fetch(`${held.url}ingest/events?limit=1`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
    await response.arrayBuffer()
  } catch (error) {
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message
    throw new Error(
      `${command}: the server at ${held.url} (process ${held.pid}) does not answer (${reason}): ${startOne(command)}`
    )
  }
  // A server of an earlier version announced its collector only where plain http to it was allowed.
  return collectorAddress(held.collector ?? held.url, `the server at ${held.url} announced`)
}

/**
 * The collector `convertro.test` goes to for `command` (send, replay): `--collector`, else the running server's
 * when the settings send there (a dry run sends nowhere).
 */
export async function findCollector(
  command: string,
  settings: JSONObject,
  parseDomain: (domain: unknown) => string,
  options: { collector?: string; dryRun?: boolean }
): Promise<CollectorAddress | undefined> {
  if (options.collector) return collectorAddress(options.collector)
  if (options.dryRun || !sendsToCollector(settings, parseDomain)) return undefined
  return runningCollector(command)
}
