import fs from 'fs'
import os from 'os'
import path from 'path'
import http from 'http'
import type { AddressInfo } from 'net'
import express from 'express'
import type { JSONObject } from '@segment/actions-core'
import { loadServerDestination } from '../destinations'
import { CollectorAgent } from '../lib/collector-host'
import type { CollectorAddress } from '../lib/collector-host'
import type { FateName } from '../lib/fate'
import { runAction } from '../lib/run'
import { SAMPLE_EVENTS, SAMPLE_SETTINGS } from '../lib/samples'
import { withCollector } from '../routing/settings'
import { Collector, collectorRoutes } from '../server/collector'
import { HYBRID_SECOND_FAILS, standardAnswers } from './presets'
import type { Preset } from './presets'

/** The request limit the matrix runs the destination with: a timeout is this long, not actions-core's 10 s. */
export const MATRIX_TIMEOUT_MS = 200

/** The size of a batch run, and which of its events is invalid. */
export const BATCH_SIZE = 3
export const INVALID_INDEX = 1

/** One run: an action, alone or in a batch, against one of the standard answers. */
export interface MatrixEntry {
  action: string
  batch: boolean
  /** The answer's name: the status as text (`"423"`), `timeout`, `reset` or `hybrid-second-fails`. */
  scenario: string
  /** The event's fate; for a batch, each event's, in order. */
  fate: FateName | FateName[]
  /** Calls Convertro received. */
  calls: number
}

export interface Matrix {
  entries: MatrixEntry[]
  /** The answers in the matrix's order, with what each is. */
  answers: Pick<Preset, 'id' | 'label'>[]
  timeoutMs: number
}

/** The event with no device id: every action requires one, so the event is invalid whatever it is. */
function invalid(event: JSONObject): JSONObject {
  const context = (event.context ?? {}) as JSONObject
  return { ...event, context: { ...context, device: {} } }
}

/** A batch of `BATCH_SIZE` copies of the event, the one at `INVALID_INDEX` made invalid. */
const batchOf = (event: JSONObject) =>
  Array.from({ length: BATCH_SIZE }, (_, index) => (index === INVALID_INDEX ? invalid(event) : event))

/** A collector alone, on a free loopback port, keeping its records in a folder of its own. */
async function startCollector(kinds: readonly string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-scenarios-'))
  const collector = await Collector.open(path.join(dir, 'collector.jsonl'), () => undefined)
  const app = express()
  app.use(collectorRoutes(collector, () => kinds))
  const server = http.createServer(app)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return { collector, address: { host: '127.0.0.1', port } as CollectorAddress, close }
}

/**
 * Runs every action, alone and in a batch with one invalid event, against each standard answer of the collector, and
 * Order Completed under the hybrid model against a second call that fails; one run at a time, so each run's calls
 * are its own. The destination runs as in `serve`, its requests limited to `timeoutMs`.
 */
export async function runMatrix(timeoutMs = MATRIX_TIMEOUT_MS): Promise<Matrix> {
  const found: { address?: CollectorAddress } = {}
  const agent = new CollectorAgent(() => found.address)
  const { definition, rules } = await loadServerDestination({ agent, timeoutMs })
  const lab = await startCollector(rules.CALL_KINDS)
  found.address = lab.address
  const answers = [...standardAnswers(timeoutMs), HYBRID_SECOND_FAILS]
  const entries: MatrixEntry[] = []
  try {
    for (const action of Object.keys(definition.actions)) {
      const event = SAMPLE_EVENTS[action] as unknown as JSONObject
      for (const answer of answers) {
        const hybrid = answer === HYBRID_SECOND_FAILS
        if (hybrid && action !== 'orderCompleted') continue
        const settings = withCollector({ ...SAMPLE_SETTINGS, ...(hybrid && { hybridAttributionModel: true }) })
        for (const batch of [false, true]) {
          lab.collector.scenario.set(answer.scenario)
          const before = lab.collector.count
          const run = await runAction(definition, action, { payload: batch ? batchOf(event) : event, settings })
          const fates = run.fates.map((fate) => fate.fate)
          entries.push({
            action,
            batch,
            scenario: answer.id,
            fate: batch ? fates : fates[0],
            calls: lab.collector.count - before
          })
        }
      }
    }
  } finally {
    await lab.close()
  }
  return { entries, answers: answers.map(({ id, label }) => ({ id, label })), timeoutMs }
}
