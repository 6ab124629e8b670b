import path from 'path'
import { spawn } from 'child_process'
import { PROJECT_ROOT } from '../lib/paths'

/** The project's local server, started for a PR description's end-to-end checks. */
export interface LocalServer {
  url: string
  stop(): Promise<void>
}

/** How long the server may take to say where it answers. */
const START_TIMEOUT = 30_000

/**
 * Starts `bin/run serve` on a free port, its collector records and journal in `dir`, from the project's folder (so
 * it serves the project's destinations, not a monorepo's), and resolves once it printed its URL.
 */
export function startLocalServer(dir: string): Promise<LocalServer> {
  const files = ['--records', path.join(dir, 'collector.jsonl'), '--journal', path.join(dir, 'ingest.jsonl')]
  const child = spawn(path.join(PROJECT_ROOT, 'bin/run'), ['serve', '--port', '0', '--no-watch', '-n', ...files], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  let output = ''
  let started = false
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      if (started) return
      clearTimeout(timer)
      void stop().then(() =>
        reject(new Error(`bin/run serve ${why}: ${output.trim().split('\n').slice(-3).join(' ')}`))
      )
    }
    const timer = setTimeout(() => fail(`printed no URL within ${START_TIMEOUT / 1000} s`), START_TIMEOUT)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const url = /Convertro actions server: (\S+)/.exec(output)?.[1]
      if (url && !started) {
        started = true
        clearTimeout(timer)
        resolve({ url, stop })
      }
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.once('exit', (code) => fail(`exited with ${code}`))
  })
}
