import nock from 'nock'

// Any request that no test answered fails the test that made it, even if the code under test swallowed the error.
const unanswered: string[] = []
nock.emitter.on('no match', (request: { method?: string; href?: string; options?: { href?: string } }) => {
  unanswered.push(`${request.method ?? 'GET'} ${request.href ?? request.options?.href ?? String(request)}`)
})

beforeAll(() => nock.disableNetConnect())

afterEach(() => {
  nock.cleanAll()
  const leaked = unanswered.splice(0)
  expect(leaked).toEqual([])
})

afterAll(() => nock.enableNetConnect())
