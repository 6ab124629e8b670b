import { Destination } from '@segment/actions-core'
import { routeHttpsTo, startCollector } from '../lib/answer'
import { ACTIONS, EVENTS, convertroSettings, definition, runEvent } from '../lib/fixtures'

// Run with --expose-gc in a process of its own, so nothing else the benchmark did is on the heap.
const gc = (globalThis as { gc?: () => void }).gc

function heapAfterGc(): number {
  if (!gc) throw new Error('run with --expose-gc')
  // Several passes: one major GC can leave garbage that only the next one frees (weak refs, finalizers).
  for (let i = 0; i < 4; i++) gc()
  return process.memoryUsage().heapUsed
}

/**
 * One long-lived Destination, as a server keeps it, running the four actions' events in turn. Prints the
 * heap after the baseline and at the checkpoints of the long run, as JSON.
 */
async function main() {
  const total = Number(process.argv[2])
  const baselineEvents = 1000
  const checkpoints = [0.6, 0.7, 0.8, 0.9, 1].map((share) => Math.round(total * share))
  const collector = await startCollector({ tls: true })
  const unroute = routeHttpsTo(collector)
  const destination = new Destination(definition)
  const settings = ACTIONS.map((action) => convertroSettings(action))
  const events = ACTIONS.map((action) => EVENTS[action])
  const run = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const which = i % ACTIONS.length
      await runEvent(destination, { ...events[which], messageId: `msg-${i}` }, settings[which])
    }
  }
  await run(0, baselineEvents)
  const baseline = heapAfterGc()
  const heap: number[] = []
  let done = baselineEvents
  for (const checkpoint of checkpoints) {
    await run(done, checkpoint)
    done = checkpoint
    heap.push(heapAfterGc())
  }
  unroute()
  await collector.close()
  process.stdout.write(JSON.stringify({ baselineEvents, baseline, checkpoints, heap, requests: collector.requests() }))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
