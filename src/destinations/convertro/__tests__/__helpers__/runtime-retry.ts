import fs from 'fs'
import path from 'path'

/**
 * The statuses Segment's runtime retries, as actions-core itself lists them: the `RetryableStatusCodes` type of
 * its errors.ts (4xx are not retried except 408, 423 and 429; 5xx are, except 501). Read from its declarations,
 * so a test compares with the framework's rule, not with a copy of it.
 */
export function runtimeRetryableStatuses(): number[] {
  // Beside the package's entry: its published declarations here, its source where the monorepo maps the package to it.
  const entry = path.dirname(require.resolve('@segment/actions-core'))
  const file = ['errors.d.ts', 'errors.ts'].map((name) => path.join(entry, name)).find((name) => fs.existsSync(name))
  const declarations = file === undefined ? '' : fs.readFileSync(file, 'utf8')
  // One line in the published declarations, one status a line in the monorepo's source (no semicolons there).
  const union = /type RetryableStatusCodes\s*=([\s\d|]+)/.exec(declarations)
  const statuses = union?.[1].match(/\d+/g)
  if (!statuses) throw new Error('actions-core no longer declares RetryableStatusCodes')
  return statuses.map(Number)
}
