import nock from 'nock'

// convertro.test is the local tools' collector host: their own agent connects it to a server on loopback.
const isLoopback = (host: string) => /^(localhost|127\.0\.0\.1|\[::1\]|::1|convertro\.test)(:\d+)?$/.test(host)

/** What nock 13 reports for a request no interceptor took: its request options, or the request and its options. */
interface Unmatched {
  method?: string
  /** `http` or `https`, set by nock on the options. */
  proto?: string
  /** `hostname:port`. */
  host?: string
  path?: string
}

// Tests answer Convertro's hosts with nock; loopback (and the collector host, routed to it) stays open for the real
// local servers some tests start.
// Any other request that no test answered fails the test that made it, even if the code swallowed the error.
const unanswered: string[] = []
nock.emitter.on('no match', (request: Unmatched, options?: Unmatched) => {
  const { method = 'GET', proto = 'http', host = '', path = '' } = options ?? request
  if (isLoopback(host)) return
  unanswered.push(`${method} ${proto}://${host}${path}`)
})

beforeAll(() => {
  nock.disableNetConnect()
  nock.enableNetConnect(isLoopback)
})

afterEach(() => {
  nock.cleanAll()
  const leaked = unanswered.splice(0)
  expect(leaked).toEqual([])
})

afterAll(() => {
  nock.enableNetConnect()
  // Each test file loads nock afresh, and each copy patches Node's http again: undo this one's patch.
  nock.restore()
})
