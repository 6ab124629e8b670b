import https from 'https'
import net from 'net'
import type { Duplex } from 'stream'

/**
 * The host the local tools address a collector by. `.test` is reserved for testing (RFC 6761), so no real
 * Convertro host is ever under it, and the destination takes it as it takes any public name: it has no exception
 * for local use. Only this process's own connections route it (see CollectorAgent).
 */
export const COLLECTOR_HOST = 'convertro.test'

/** Where a collector answers plain http. */
export interface CollectorAddress {
  host: string
  port: number
}

/** A server's URL (`http://127.0.0.1:3000`), as `--collector` takes it, or as a running server announces it. */
export function collectorAddress(url: string, flag = '--collector'): CollectorAddress {
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    // Said below, with what is expected.
  }
  if (parsed?.protocol !== 'http:' || parsed.pathname !== '/' || parsed.search || parsed.username) {
    throw new Error(
      `${flag} ${url} is not a local server's URL: give its http address and port, e.g. http://127.0.0.1:3000`
    )
  }
  // The URL keeps an IPv6 address in brackets; a connection takes it bare.
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port || 80) }
}

/** An address as a URL, to show. */
export const addressUrl = ({ host, port }: CollectorAddress) =>
  `http://${host.includes(':') ? `[${host}]` : host}:${port}`

type Callback = (error: Error | null, stream: Duplex) => void

/**
 * The destination's connections, as the local tools make them. A call to `https://convertro.test/` is connected
 * to the default collector (serve's own, or the running server's for replay and send), and one to
 * `https://convertro.test:PORT/` to the server listening on 127.0.0.1:PORT, both over plain TCP: nothing leaves
 * the machine, so there is nothing for TLS to protect. Every other host is connected to as Node's https agent
 * connects (TLS), so real Convertro hosts are reached as the destination reaches them in Segment.
 *
 * Connections are not kept alive, as in Segment's runtime, where node-fetch asks for `Connection: close` on every
 * request made without an agent.
 */
export class CollectorAgent extends https.Agent {
  constructor(private readonly collector: () => CollectorAddress | undefined = () => undefined) {
    super()
  }

  createConnection(options: https.RequestOptions, callback?: Callback): Duplex | null | undefined {
    if (options.host?.toLowerCase() !== COLLECTOR_HOST) return super.createConnection(options, callback)
    const port = Number(options.port ?? 443)
    const target = port === 443 ? this.collector() : { host: '127.0.0.1', port }
    if (!target) {
      const error = new Error(`no collector was named for ${COLLECTOR_HOST} in this process`)
      callback?.(error, undefined as unknown as Duplex)
      return undefined
    }
    return net.createConnection({ host: target.host, port: target.port, noDelay: true })
  }

  /**
   * Nothing. actions-core destroys a request's agent once it has read the answer (its prepare-response step), as
   * for an agent made for that one request; this one carries every request of the process, and destroying it would
   * cut the calls still under way (a batch sends ten at once). Without keep-alive it holds no idle socket to close.
   */
  destroy(): void {}
}
