import { WebSocketServer } from 'ws'

export interface LiveReload {
  /** Where the tester connects, or undefined when the port was taken. */
  url?: string
  /** Tells every connected tester that the destination changed. */
  changed(): void
  close(): Promise<void>
}

/**
 * The websocket Segment's serve opens beside its HTTP port (on PORT + 1) for the hosted Actions Tester, which
 * reloads the destination's definition when it receives the text `change`. Bound where the HTTP server is; a
 * port already taken costs only the live reload, so it is reported, not fatal.
 */
export async function startLiveReload(host: string, port: number, log: (line: string) => void): Promise<LiveReload> {
  const server = new WebSocketServer({ host, port })
  const listening = await new Promise<boolean>((resolve) => {
    server.once('listening', () => resolve(true))
    server.once('error', (error) => {
      log(`No live reload for the Actions Tester: port ${port} is not free (${error.message})`)
      resolve(false)
    })
  })
  if (!listening) return { changed: () => undefined, close: async () => undefined }
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `ws://${shown}:${port}`,
    changed: () => server.clients.forEach((client) => client.send('change')),
    close: () =>
      new Promise<void>((resolve) => {
        server.clients.forEach((client) => client.terminate())
        server.close(() => resolve())
      })
  }
}
