import fs from 'fs'
import path from 'path'
import { DEFAULT_JOURNAL } from '../lib/paths'
import { liveHolder, lockFileOf } from './journal'

/** How long a running server has to answer before replay says it does not. */
const PROBE_TIMEOUT_MS = 3000

const START_ONE = 'start one with `npm start`, or give --collector URL or settings with a domain'

function realPath(file: string): string {
  try {
    return fs.realpathSync(file)
  } catch {
    return path.resolve(file)
  }
}

/**
 * The collector of the `serve` running on this project's default journal (`npm start`, on whatever port), for
 * events whose settings name no domain. Its journal's lock says where it answers; it is asked once, so a
 * server that is gone or hung is said in one line rather than in a failure per event.
 */
export async function runningCollector(journal = DEFAULT_JOURNAL): Promise<string> {
  const shown = path.relative(process.cwd(), journal)
  const held = liveHolder(lockFileOf(realPath(journal)))
  if (!held?.url) throw new Error(`replay: no server is running (none holds ${shown}): ${START_ONE}`)
  if (!held.collector) {
    throw new Error(`replay: the server at ${held.url} has no collector plain http can reach: ${START_ONE}`)
  }
  try {
    const response = await fetch(`${held.url}ingest/events?limit=1`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
    await response.arrayBuffer()
  } catch (error) {
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message
    throw new Error(`replay: the server at ${held.url} (process ${held.pid}) does not answer (${reason}): ${START_ONE}`)
  }
  return held.collector
}
