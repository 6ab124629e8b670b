import nock from 'nock'

const isLoopback = (host: string) => /^(localhost|127\.0\.0\.1|\[::1\]|::1)(:\d+)?$/.test(host)

// Tests answer Convertro's hosts with nock; loopback stays open for the real local servers some tests start.
// Any other request that no test answered fails the test that made it, even if the code swallowed the error.
const unanswered: string[] = []
nock.emitter.on(
  'no match',
  (request: { method?: string; href?: string; host?: string; options?: { href?: string } }) => {
    const href = request.href ?? request.options?.href ?? ''
    if (isLoopback(href ? new URL(href).host : request.host ?? '')) return
    unanswered.push(`${request.method ?? 'GET'} ${href || String(request)}`)
  }
)

beforeAll(() => {
  nock.disableNetConnect()
  nock.enableNetConnect(isLoopback)
})

afterEach(() => {
  nock.cleanAll()
  const leaked = unanswered.splice(0)
  expect(leaked).toEqual([])
})

afterAll(() => nock.enableNetConnect())
