import { PayloadValidationError, createTestIntegration } from '@segment/actions-core'
import Destination from '../../index'
import {
  SETTINGS,
  expected,
  invalidEntry,
  missingRequired,
  recordConvertroCalls,
  sorted,
  testEvent
} from '../../__tests__/__helpers__/helpers'

const testDestination = createTestIntegration(Destination)

describe('Convertro.identifyUser', () => {
  beforeEach(() => {
    testDestination.responses = []
  })

  it('ties the device to the user id, and sends no traits', async () => {
    const calls = recordConvertroCalls()
    await testDestination.testAction('identifyUser', {
      event: testEvent({ type: 'identify', userId: 'user-42', traits: { email: 'a@example.com', plan: 'pro' } }),
      settings: SETTINGS,
      useDefaultMappings: true
    })
    expect(calls).toEqual([expected('user', { id: 'user-42' })])
  })

  it('rejects an anonymous identify in actions-core’s validation, the user id being required, and sends nothing', async () => {
    const calls = recordConvertroCalls()
    const result = testDestination.testAction('identifyUser', {
      event: testEvent({ type: 'identify', userId: null, anonymousId: 'anon-1' }),
      settings: SETTINGS,
      useDefaultMappings: true
    })
    await expect(result).rejects.toMatchObject(missingRequired('user_id'))
    expect(calls).toEqual([])
  })

  it('rejects a blank user id with a PayloadValidationError naming id, and sends nothing', async () => {
    const calls = recordConvertroCalls()
    const result = testDestination.testAction('identifyUser', {
      event: testEvent({ type: 'identify', userId: '  ' }),
      settings: SETTINGS,
      useDefaultMappings: true
    })
    await expect(result).rejects.toThrow(PayloadValidationError)
    await expect(result).rejects.toThrow('Missing user id: Convertro requires `id` on this call.')
    expect(calls).toEqual([])
  })

  it('rejects an event without a device id in actions-core’s validation, and sends nothing', async () => {
    const calls = recordConvertroCalls()
    const result = testDestination.testAction('identifyUser', {
      event: testEvent({ type: 'identify', userId: 'user-42', context: { userAgent: 'UA/1.0' } }),
      settings: SETTINGS,
      useDefaultMappings: true
    })
    await expect(result).rejects.toMatchObject(missingRequired('device_id'))
    expect(calls).toEqual([])
  })

  it('rejects a blank device id with a PayloadValidationError naming sid, and sends nothing', async () => {
    const calls = recordConvertroCalls()
    const result = testDestination.testAction('identifyUser', {
      event: testEvent({ type: 'identify', userId: 'user-42', context: { device: { id: '  ' } } }),
      settings: SETTINGS,
      useDefaultMappings: true
    })
    await expect(result).rejects.toThrow(PayloadValidationError)
    await expect(result).rejects.toThrow(/device id.*`sid`/)
    expect(calls).toEqual([])
  })

  it('leaves out cua and cip when the event has no user agent or IP', async () => {
    const calls = recordConvertroCalls()
    await testDestination.testAction('identifyUser', {
      event: testEvent({ type: 'identify', userId: 'user-42', context: { device: { id: 'device-1' } } }),
      settings: SETTINGS,
      useDefaultMappings: true
    })
    expect(calls).toEqual([
      {
        method: 'GET',
        origin: 'https://acme.sp1.convertro.com',
        path: '/api/user/acme/1234/',
        query: { sid: 'device-1', ts: '1709634030', id: 'user-42' }
      }
    ])
  })

  it('gives each identify of a batch its own result', async () => {
    const calls = recordConvertroCalls()
    await testDestination.testBatchAction('identifyUser', {
      events: [
        testEvent({ type: 'identify', userId: 'user-1' }),
        testEvent({ type: 'identify', userId: null, anonymousId: 'anon-1' }),
        testEvent({ type: 'identify', userId: '  ' }),
        testEvent({ type: 'identify', userId: 'user-4' })
      ],
      settings: SETTINGS,
      useDefaultMappings: true
    })
    expect(sorted(calls)).toEqual([expected('user', { id: 'user-1' }), expected('user', { id: 'user-4' })])
    expect(testDestination.results[0].multistatus).toEqual([
      expect.objectContaining({ status: 200 }),
      invalidEntry(/^The root value is missing the required field 'user_id'\.$/),
      invalidEntry(/^Missing user id: Convertro requires `id` on this call\.$/),
      expect.objectContaining({ status: 200 })
    ])
  })
})
