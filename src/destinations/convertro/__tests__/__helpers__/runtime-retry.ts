import fs from 'fs'

/**
 * The statuses Segment's runtime retries, as actions-core itself lists them: the `RetryableStatusCodes` type of
 * its errors.ts (4xx are not retried except 408, 423 and 429; 5xx are, except 501). Read from its declarations,
 * so a test compares with the framework's rule, not with a copy of it.
 */
export function runtimeRetryableStatuses(): number[] {
  const declarations = fs.readFileSync(require.resolve('@segment/actions-core/dist/cjs/errors.d.ts'), 'utf8')
  // One line in the published declarations, one status a line in the monorepo's source (no semicolons there).
  const union = /type RetryableStatusCodes\s*=([\s\d|]+)/.exec(declarations)
  const statuses = union?.[1].match(/\d+/g)
  if (!statuses) throw new Error('actions-core no longer declares RetryableStatusCodes')
  return statuses.map(Number)
}
