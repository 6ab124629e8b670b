import { deliver, loaded, resetPage, subscriptionsFromPresets } from '../../test-utils'

jest.mock('@segment/browser-destination-runtime/load-script')

describe('Convertro.identifyUser (device mode)', () => {
  beforeEach(resetPage)

  it('pushes trackUser with the user id and the traits spread beside it', async () => {
    const { plugins, received } = await loaded()
    await deliver(plugins.identifyUser, {
      type: 'identify',
      userId: 'u-1',
      traits: { email: 'ann@example.com', name: 'Ann', logins: 3 }
    })

    expect(received).toStrictEqual([['trackUser', { id: 'u-1', email: 'ann@example.com', name: 'Ann', logins: 3 }]])
  })

  it('pushes Engage audiences, which arrive as boolean traits, as they are', async () => {
    const { plugins, received } = await loaded()
    await deliver(plugins.identifyUser, {
      type: 'identify',
      userId: 'u-1',
      traits: { high_value_buyers: true, lapsed_customers: false }
    })

    expect(received).toStrictEqual([['trackUser', { id: 'u-1', high_value_buyers: true, lapsed_customers: false }]])
  })

  it('pushes the user id alone when there are no traits', async () => {
    const { plugins, received } = await loaded()
    await deliver(plugins.identifyUser, { type: 'identify', userId: 'u-1' })

    expect(received).toStrictEqual([['trackUser', { id: 'u-1' }]])
  })

  it('keeps the user id when a trait is also named id', async () => {
    const { plugins, received } = await loaded()
    await deliver(plugins.identifyUser, { type: 'identify', userId: 'u-1', traits: { id: 'crm-9', email: 'a@b.c' } })

    expect(received).toStrictEqual([['trackUser', { id: 'u-1', email: 'a@b.c' }]])
  })

  it('leaves out traits with no value (null or empty), keeping 0 and false', async () => {
    const { plugins, received } = await loaded()
    await deliver(plugins.identifyUser, {
      type: 'identify',
      userId: 'u-1',
      traits: { email: null, name: '', logins: 0, lapsed_customers: false }
    })

    expect(received).toStrictEqual([['trackUser', { id: 'u-1', logins: 0, lapsed_customers: false }]])
  })

  it.each([
    ['a string', 'ann@example.com'],
    ['an array', ['a', 'b']],
    ['a number', 7]
  ])('pushes the user id alone when traits are mapped to %s', async (_case, value) => {
    const [preset] = subscriptionsFromPresets().filter((subscription) => subscription.partnerAction === 'identifyUser')
    const subscription = { ...preset, mapping: { ...preset.mapping, traits: { '@path': '$.traits.tags' } } }
    const { plugins, received } = await loaded({}, [subscription])
    await deliver(plugins.identifyUser, { type: 'identify', userId: 'u-1', traits: { tags: value } })

    expect(received).toStrictEqual([['trackUser', { id: 'u-1' }]])
  })

  it('pushes a numeric user id as text', async () => {
    const { plugins, received } = await loaded()
    await deliver(plugins.identifyUser, { type: 'identify', userId: 42 as unknown as string })

    expect(received).toStrictEqual([['trackUser', { id: '42' }]])
  })

  it.each([
    ['a blank user id', { type: 'identify' as const, userId: '  ', traits: { email: 'ann@example.com' } }],
    ['a user id that is an object', { type: 'identify' as const, userId: { id: 'u-1' } as unknown as string }],
    ['no user id', { type: 'identify' as const, anonymousId: 'anon-1', traits: { email: 'ann@example.com' } }],
    ['an empty user id', { type: 'identify' as const, userId: '', traits: { email: 'ann@example.com' } }]
  ])('pushes nothing for an identify with %s', async (_case, event) => {
    const { plugins, received } = await loaded()
    await deliver(plugins.identifyUser, event)

    expect(received).toStrictEqual([])
  })

  it('is not triggered by track events', async () => {
    const { plugins, received } = await loaded()
    await deliver(plugins.identifyUser, { type: 'track', event: 'Signed Up', userId: 'u-1' })

    expect(received).toStrictEqual([])
  })
})
