import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'

export interface Collector {
  origin: string
  port: number
  /** TCP connections accepted so far: shows whether clients keep their connections alive. */
  connections: () => number
  requests: () => number
  /** Path and query of the last request, to send exactly the same call another way. */
  lastPath: () => string
  /** Paths and queries of the last `count` requests, oldest first (at most the last 8 are kept). */
  lastPaths: (count: number) => string[]
  close: () => Promise<void>
}

/** A throwaway self-signed certificate, so the https path (TLS included) runs as it does against Convertro. */
function certificate(): { key: Buffer; cert: Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-bench-'))
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'].concat([
        '-subj',
        '/CN=localhost',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem')
      ]),
      { stdio: 'ignore' }
    )
    return { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * A local server answering like Convertro's collector (200, a short text body), optionally after a delay
 * that stands in for the round trip to a remote host.
 */
export async function startCollector(options: { tls?: boolean; delayMs?: number } = {}): Promise<Collector> {
  const delayMs = options.delayMs ?? 0
  let connections = 0
  let requests = 0
  const paths: string[] = []
  const handler: http.RequestListener = (req, res) => {
    requests++
    paths.push(req.url ?? '')
    if (paths.length > 8) paths.shift()
    req.resume()
    const answer = () => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('OK')
    if (delayMs > 0) setTimeout(answer, delayMs)
    else answer()
  }
  const server = options.tls ? https.createServer(certificate(), handler) : http.createServer(handler)
  server.on(options.tls ? 'secureConnection' : 'connection', () => connections++)
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    requests: () => requests,
    lastPath: () => paths[paths.length - 1] ?? '',
    lastPaths: (count) => paths.slice(-count),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}

/**
 * Sends every https request made without an explicit agent (node-fetch's default, so actions-core's and
 * every destination's that sets none) to the local collector, whatever its host: each destination keeps
 * its real URL, TLS and connection handling, and only the far end is local. Returns the undo.
 */
export function routeHttpsTo(collector: Collector): () => void {
  const original = https.globalAgent
  class LoopbackAgent extends https.Agent {
    createConnection(...args: Parameters<https.Agent['createConnection']>) {
      const [options, callback] = args as [Record<string, unknown>, Parameters<https.Agent['createConnection']>[1]]
      return super.createConnection({ ...options, host: '127.0.0.1', port: collector.port }, callback)
    }
  }
  https.globalAgent = new LoopbackAgent({ keepAlive: true, rejectUnauthorized: false })
  return () => {
    https.globalAgent.destroy()
    https.globalAgent = original
  }
}
