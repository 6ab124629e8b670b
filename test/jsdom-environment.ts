import { TestEnvironment } from 'jest-environment-jsdom'
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment'

/**
 * jsdom for the browser destination's unit tests, able to load what test/setup.ts loads (nock): with Node's
 * export conditions, since nock's interceptors have a browser build that cannot see Node's requests, and
 * with Node's fetch and stream classes, which those interceptors need and jsdom does not provide.
 */
export default class JsdomEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context)
    Object.assign(this.global, {
      Request,
      Response,
      Headers,
      fetch,
      TextEncoder,
      TextDecoder,
      ReadableStream,
      WritableStream,
      TransformStream,
      BroadcastChannel
    })
  }

  exportConditions(): string[] {
    return ['node', 'node-addons']
  }
}
