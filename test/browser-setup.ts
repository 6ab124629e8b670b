import { webcrypto } from 'crypto'
import { TextDecoder, TextEncoder } from 'util'
import { setImmediate } from 'timers'

// What Segment's monorepo runs before every browser destination test (packages/browser-destinations/test/
// setup-after-env.ts), so the device-mode tests pass under the same page state there and here. Its WebCrypto
// polyfill (@peculiar/webcrypto) is Node's own WebCrypto here.

Object.assign(global, { TextEncoder, TextDecoder, setImmediate })

beforeEach(() => {
  jest.restoreAllMocks()
  jest.resetAllMocks()

  document.body.innerHTML = ''
  document.head.innerHTML = ''

  // A script tag, as a page has, before which load-script inserts its own.
  const script = document.createElement('script')
  script.innerHTML = `// the emptiness`
  document.head.appendChild(script)

  jest.spyOn(window, 'window', 'get')
  jest.spyOn(global, 'document', 'get')
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  global.document.domain = 'segment.com'

  Object.assign(global, { crypto: webcrypto })
})
