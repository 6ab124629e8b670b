import { Format, SingleBar } from 'cli-progress'

/** What a long run has done so far. */
export interface ProgressCounts {
  events: number
  failed: number
  /** The number of events expected in all, when it can be estimated. */
  total?: number
}

export interface Progress {
  /** Prints a line on standard error without breaking the bar. */
  log(line: string): void
  stop(): void
}

/** Plain lines this often, when standard error is not a terminal. */
export const PLAIN_INTERVAL_MS = 5000
const BAR_INTERVAL_MS = 250

const perSecond = (events: number, startedAt: number) =>
  Math.round(events / Math.max((Date.now() - startedAt) / 1000, 0.001))

/** For logs: a plain line every few seconds. */
function plainProgress(name: string, counts: () => ProgressCounts, startedAt: number): Progress {
  const stream = process.stderr
  const timer = setInterval(() => {
    const { events, failed } = counts()
    stream.write(`${name}: ${events} events, ${perSecond(events, startedAt)}/s, ${failed} failed\n`)
  }, PLAIN_INTERVAL_MS)
  timer.unref()
  return { log: (line) => stream.write(`${line}\n`), stop: () => clearInterval(timer) }
}

function progressBar(name: string, estimated: boolean): SingleBar {
  return new SingleBar({
    stream: process.stderr,
    format: estimated
      ? `${name} [{bar}] {percentage}% | {value}/{total} events | {speed}/s | ETA {eta_formatted} | {failed} failed`
      : `${name} {value} events | {speed}/s | {failed} failed`,
    barsize: 30,
    hideCursor: true,
    emptyOnZero: true,
    linewrap: false,
    // About 10 s of updates: the ETA follows the recent rate, not the start-up.
    etaBuffer: 40,
    // Until the rate is known the ETA is not a number: show nothing rather than cli-progress's "INF".
    formatTime: (seconds, options, roundTo) =>
      typeof seconds === 'number' && Number.isFinite(seconds) ? Format.TimeFormat(seconds, options, roundTo) : '…'
  })
}

/**
 * Shows a run's progress on standard error: on a terminal a bar with events, events/s, ETA and failures (the
 * bar and ETA only when a total can be `estimated`); elsewhere, a plain line every few seconds, for logs.
 */
export function startProgress(name: string, counts: () => ProgressCounts, estimated: boolean): Progress {
  const startedAt = Date.now()
  if (!process.stderr.isTTY) return plainProgress(name, counts, startedAt)
  const bar = progressBar(name, estimated)
  const update = () => {
    const { events, failed, total } = counts()
    if (total !== undefined) bar.setTotal(Math.max(total, events))
    bar.update(events, { speed: perSecond(events, startedAt), failed })
  }
  bar.start(counts().total ?? 0, 0, { speed: 0, failed: 0 })
  const timer = setInterval(update, BAR_INTERVAL_MS)
  timer.unref()
  return {
    // Clear the bar's line, print, and let the bar draw itself again below; it returns to the saved cursor when it
    // stops, so the cursor is saved again on the bar's new line.
    log: (line) => process.stderr.write(`\r\x1b[K${line}\n\x1b7`),
    stop: () => {
      clearInterval(timer)
      update()
      bar.stop()
    }
  }
}
