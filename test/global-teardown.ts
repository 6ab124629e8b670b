import { closeRunTempDir } from './temp-dir'

/** Checks that the tests cleaned up after themselves. */
export default function globalTeardown(): void {
  closeRunTempDir()
}
