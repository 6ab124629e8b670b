import { execFile, spawn, type ChildProcess } from 'child_process'
import fs from 'fs'
import os from 'os'
import path from 'path'

export const ROOT = path.resolve(__dirname, '../../..')

export interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the CLI as a user does (`bin/run …` in `cwd`), with optional standard input. */
export function cli(
  args: string[],
  { cwd = ROOT, input, env }: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}
): Promise<Run> {
  return new Promise((resolve) => {
    const options = { cwd, env: { ...process.env, ...env }, timeout: 50_000 }
    const child = execFile(path.join(cwd, 'bin/run'), args, options, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
    child.stdin?.end(input ?? '')
  })
}

/** A copy of the project (sources only, dependencies linked) that a test may change freely. */
export function copyProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-project-'))
  for (const entry of ['bin', 'src', 'test', 'examples', 'package.json', 'tsconfig.json', '.prettierrc.json']) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true })
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
  return dir
}

export function tempFile(name: string, content?: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-')), name)
  if (content !== undefined) fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
  return file
}

export interface Served {
  url: string
  /** The address the server's socket is bound to, as it reported it. */
  address: string
  child: ChildProcess
  /** Everything the server printed so far. */
  output(): string
  /** Resolves when the server printed a line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>
  /** Sends the signal (SIGTERM by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts `serve` on a free port (unless `args` name one) and resolves once it printed its URL. */
export async function serve(args: string[] = [], cwd = ROOT): Promise<Served> {
  // A journal of its own, so no test takes up events another server (or a developer's) accepted.
  const journal = args.includes('--journal') ? [] : ['--journal', tempFile('ingest.jsonl')]
  const child = spawn(path.join(cwd, 'bin/run'), ['serve', '--port', '0', ...journal, ...args], { cwd })
  let output = ''
  const waiters: (() => void)[] = []
  const append = (chunk: Buffer) => {
    output += chunk.toString()
    waiters.splice(0).forEach((wake) => wake())
  }
  child.stdout.on('data', append)
  child.stderr.on('data', append)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  // Never outlive the test: a server that does not say what is awaited within 40 s is stopped.
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`serve did not print ${pattern} within 40 s:\n${output}`))
      }, 40_000)
      const check = () => {
        const match = pattern.exec(output)
        if (match) {
          clearTimeout(timer)
          return resolve(match)
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer)
          return reject(new Error(`serve exited with ${child.exitCode ?? child.signalCode}:\n${output}`))
        }
        waiters.push(check)
      }
      void exited.then(() => waiters.splice(0).forEach((wake) => wake()))
      check()
    })

  const [, url, address] = await waitFor(/Convertro actions server: (\S+) \(bound to (\S+)\)/)
  return {
    url,
    address,
    child,
    output: () => output,
    waitFor,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => {
      child.kill(signal)
      return exited
    }
  }
}

/** JSON over HTTP to a served URL. */
export async function http(
  url: string,
  init: { method?: string; body?: unknown; raw?: string } = {}
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined && init.raw === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json' },
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body))
  })
  const text = await response.text()
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined }
}

/** A stand-in Convertro on loopback answering each call with the next status (the last one repeats). */
export async function stubConvertro(
  statuses: number[]
): Promise<{ domain: string; paths: string[]; close(): Promise<void> }> {
  const { createServer } = await import('http')
  const paths: string[] = []
  const server = createServer((req, res) => {
    paths.push(req.url ?? '')
    res.writeHead(statuses[Math.min(paths.length, statuses.length) - 1], { 'content-type': 'text/plain' })
    res.end(`answer ${paths.length}`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    domain: `http://127.0.0.1:${port}`,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}
