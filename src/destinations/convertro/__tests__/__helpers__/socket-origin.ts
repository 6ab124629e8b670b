/**
 * Where an intercepted request's socket connects, not what its Host header claims, as an origin
 * (`protocol//host[:port]`, the port only when it is not the protocol's default). `req` is nock's `this.req`.
 */
export function socketOrigin(req: unknown): string {
  const { protocol, hostname, port } = (
    req as { options: { protocol: string; hostname: string; port?: string | number } }
  ).options
  const host = hostname.includes(':') ? `[${hostname}]` : hostname
  const explicitPort = port === undefined || Number(port) === (protocol === 'https:' ? 443 : 80) ? '' : `:${port}`
  return `${protocol}//${host}${explicitPort}`
}
