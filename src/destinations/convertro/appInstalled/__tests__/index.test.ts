import { PayloadValidationError, createTestIntegration } from '@segment/actions-core'
import Destination from '../../index'
import {
  CONTEXT,
  SETTINGS,
  TS,
  expected,
  invalidEntry,
  missingRequired,
  recordConvertroCalls,
  sorted,
  testEvent
} from '../../__tests__/__helpers__/helpers'

const testDestination = createTestIntegration(Destination)

function install(app?: Record<string, string>) {
  return testDestination.testAction('appInstalled', {
    event: testEvent({ type: 'track', event: 'Application Installed', context: app ? { ...CONTEXT, app } : CONTEXT }),
    settings: SETTINGS,
    useDefaultMappings: true
  })
}

describe('Convertro.appInstalled', () => {
  beforeEach(() => {
    testDestination.responses = []
  })

  it('records the install with the app name and version', async () => {
    const calls = recordConvertroCalls()
    await install({ name: 'Acme Shop', version: '3.2.1' })
    expect(calls).toEqual([expected('install', { app: 'Acme Shop', apv: '3.2.1' })])
  })

  it('leaves out the app name and version when the event has none', async () => {
    const calls = recordConvertroCalls()
    await install()
    expect(calls).toEqual([expected('install', {})])
  })

  it('sends each of name and version on its own', async () => {
    const calls = recordConvertroCalls()
    await install({ version: '3.2.1' })
    await install({ name: 'Acme Shop' })
    expect(calls).toEqual([expected('install', { apv: '3.2.1' }), expected('install', { app: 'Acme Shop' })])
  })

  it('rejects an install without a device id in actions-core’s validation, and sends nothing', async () => {
    const calls = recordConvertroCalls()
    await expect(
      testDestination.testAction('appInstalled', {
        event: testEvent({ type: 'track', event: 'Application Installed', context: { app: { name: 'Acme Shop' } } }),
        settings: SETTINGS,
        useDefaultMappings: true
      })
    ).rejects.toMatchObject(missingRequired('device_id'))
    expect(calls).toEqual([])
  })

  it('rejects a blank device id with a PayloadValidationError naming sid, and sends nothing', async () => {
    const calls = recordConvertroCalls()
    const result = testDestination.testAction('appInstalled', {
      event: testEvent({ type: 'track', event: 'Application Installed', context: { device: { id: '\t' } } }),
      settings: SETTINGS,
      useDefaultMappings: true
    })
    await expect(result).rejects.toThrow(PayloadValidationError)
    await expect(result).rejects.toThrow(/^Missing device id: Convertro requires `sid` on every call/)
    expect(calls).toEqual([])
  })

  it('gives each install of a batch its own result', async () => {
    const calls = recordConvertroCalls((call) => (call.query.app === 'Down' ? [503, 'busy'] : [200, 'OK']))
    await testDestination.testBatchAction('appInstalled', {
      events: [
        testEvent({ type: 'track', event: 'Application Installed', context: { ...CONTEXT, app: { name: 'Shop' } } }),
        testEvent({ type: 'track', event: 'Application Installed', context: {} }),
        testEvent({ type: 'track', event: 'Application Installed', context: { device: { id: ' ' } } }),
        testEvent({ type: 'track', event: 'Application Installed', context: { ...CONTEXT, app: { name: 'Down' } } })
      ],
      settings: SETTINGS,
      useDefaultMappings: true
    })
    expect(sorted(calls)).toEqual([expected('install', { app: 'Down' }), expected('install', { app: 'Shop' })])
    expect(testDestination.results[0].multistatus).toEqual([
      expect.objectContaining({ status: 200, sent: { urls: [expect.stringMatching(/app=Shop/)] } }),
      invalidEntry(/^The root value is missing the required field 'device_id'\.$/),
      invalidEntry(/^Missing device id/),
      expect.objectContaining({
        status: 503,
        errortype: 'SERVICE_UNAVAILABLE',
        errormessage: 'Convertro answered 503: busy'
      })
    ])
  })

  it('leaves out an empty app name and version in a batch too, where actions-core keeps empty fields', async () => {
    const calls = recordConvertroCalls()
    await testDestination.testBatchAction('appInstalled', {
      events: [
        testEvent({
          type: 'track',
          event: 'Application Installed',
          context: { ...CONTEXT, userAgent: '', app: { name: '', version: '' } }
        })
      ],
      settings: SETTINGS,
      useDefaultMappings: true
    })
    expect(calls).toEqual([{ ...expected('install', {}), query: { sid: 'device-1', ts: TS, cip: '203.0.113.7' } }])
    expect(testDestination.results[0].multistatus).toEqual([expect.objectContaining({ status: 200 })])
  })
})
