import https from 'https'
import net from 'net'
import nock from 'nock'
import type { DestinationDefinition } from '@segment/actions-core'
import Definition from '../../index'
import type { Settings } from '../../generated-types'
import { SETTINGS } from './helpers'

/**
 * Settings naming a public host under the reserved `.test` domain, which resolves nowhere: a request that is
 * not routed to the local collector reaches nothing at all.
 */
export const COLLECTOR_SETTINGS: Settings = { ...SETTINGS, domain: 'collector.test' }

export const COLLECTOR_ORIGIN = 'https://collector.test'

/**
 * The definition with every connection its requests open made to `port` on this machine, whatever host the
 * URL names, in plain TCP: actions-core's request client (node-fetch) connects through the `agent` that
 * `extendRequest` gives. The destination still sends to a public https host, as it must, and a local server
 * answers it in plain HTTP over a real socket.
 */
export function routedTo(port: number): DestinationDefinition<Settings> {
  const agent = new https.Agent()
  agent.createConnection = () => net.connect(port, '127.0.0.1')
  return { ...Definition, extendRequest: () => ({ agent }) }
}

/** Starts a server on a free loopback port; resolves to the port. */
export async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as net.AddressInfo).port
}

/** For the tests of the calling block: nock steps aside, since it would take their requests before the agent does. */
export function useRealSockets(): void {
  beforeEach(() => nock.restore())
  afterEach(() => nock.activate())
}
