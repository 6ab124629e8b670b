/**
 * The origin an intercepted request's socket was opened for, not what its Host header claims, as the URL
 * parser writes an origin (the protocol's default port left out). `req` is nock's `this.req`, which keeps the
 * request's options.
 */
export function socketOrigin(req: unknown): string {
  const { protocol, hostname, port } = (
    req as { options: { protocol: string; hostname: string; port?: string | number } }
  ).options
  const host = hostname.includes(':') ? `[${hostname}]` : hostname
  return new URL(`${protocol}//${host}:${port ?? ''}`).origin
}
