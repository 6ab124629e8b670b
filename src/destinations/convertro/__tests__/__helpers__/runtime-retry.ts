import fs from 'fs'

/**
 * The statuses Segment's runtime retries, as actions-core itself lists them: the `RetryableStatusCodes` type of
 * its errors.ts (4xx are not retried except 408, 423 and 429; 5xx are, except 501). Read from its declarations,
 * so a test compares with the framework's rule, not with a copy of it.
 */
export function runtimeRetryableStatuses(): number[] {
  const declarations = fs.readFileSync(require.resolve('@segment/actions-core/dist/cjs/errors.d.ts'), 'utf8')
  const union = /type RetryableStatusCodes = ([^;]+);/.exec(declarations)
  if (!union) throw new Error('actions-core no longer declares RetryableStatusCodes')
  return union[1].split('|').map((code) => Number(code.trim()))
}
