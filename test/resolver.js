// Resolves the project's own tests' imports of packages as Node's require does, honouring package.json `exports`,
// which jest 27's resolver ignores: fast-check 4 has an ESM `main` and its CommonJS build only under
// `exports.require`, and fast-check and playwright-core load subpaths that exist only in `exports`. Relative paths,
// jest's own mappings and anything Node cannot resolve go to jest's resolver. Exported tests do not use this: they
// resolve as Segment's monorepo resolves them.
const path = require('path')
const { isBuiltin } = require('module')

module.exports = (request, options) => {
  if (!request.startsWith('.') && !path.isAbsolute(request) && !isBuiltin(request)) {
    try {
      const resolved = require.resolve(request, { paths: [options.basedir] })
      // Node 20 can require an ES module (a `.mjs` under `exports.require`, as async-function has); jest 27 cannot.
      if (!resolved.endsWith('.mjs')) return resolved
    } catch {
      // Not a package Node finds from there: jest's resolver reports it.
    }
  }
  return options.defaultResolver(request, options)
}
