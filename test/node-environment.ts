import NodeEnvironment from 'jest-environment-node'

/**
 * Node for the project's own tests (the CLI, fuzzing, the end-to-end tests), with the globals of the Node that runs
 * them. jest 27's node environment predates Node's web platform globals and leaves out fetch, Headers, Response,
 * the stream classes, structuredClone and more, which the CLI tests and playwright-core use. As jest 28 and later
 * do, every global of the outer Node that the environment lacks is copied in. Exported tests do not use this: they
 * run in the environment Segment's monorepo gives them.
 */
export default class ProjectEnvironment extends NodeEnvironment {
  constructor(...args: ConstructorParameters<typeof NodeEnvironment>) {
    super(...args)
    const outer = globalThis as unknown as Record<string, unknown>
    const inner = this.global as unknown as Record<string, unknown>
    for (const name of Object.getOwnPropertyNames(globalThis)) {
      if (name in inner) continue
      // Read on the outer global: Node's accessors (crypto, performance…) refuse any other `this`.
      Object.defineProperty(inner, name, {
        configurable: true,
        get: () => outer[name],
        set: (value: unknown) => Object.defineProperty(inner, name, { configurable: true, writable: true, value })
      })
    }
  }
}
