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
export function cli(args: string[], { cwd = ROOT, input }: { cwd?: string; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(path.join(cwd, 'bin/run'), args, { cwd }, (error, stdout, stderr) => {
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
  child: ChildProcess
  /** Everything the server printed so far. */
  output(): string
  /** Resolves when the server printed a line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<string>
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>
}

/** Starts `serve` on a free port (unless `args` name one) and resolves once it printed its URL. */
export async function serve(args: string[] = [], cwd = ROOT): Promise<Served> {
  const child = spawn(path.join(cwd, 'bin/run'), ['serve', '--port', '0', ...args], { cwd })
  let output = ''
  const waiters: (() => void)[] = []
  const append = (chunk: Buffer) => {
    output += chunk.toString()
    waiters.splice(0).forEach((wake) => wake())
  }
  child.stdout.on('data', append)
  child.stderr.on('data', append)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  const waitFor = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output)
        if (match) return resolve(match[0])
        if (child.exitCode !== null) return reject(new Error(`serve exited with ${child.exitCode}:\n${output}`))
        waiters.push(check)
      }
      void exited.then(() => waiters.splice(0).forEach((wake) => wake()))
      check()
    })

  const line = await waitFor(/Convertro actions server: (\S+)/)
  return {
    url: line.split(': ')[1],
    child,
    output: () => output,
    waitFor,
    stop: () => {
      child.kill('SIGTERM')
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
