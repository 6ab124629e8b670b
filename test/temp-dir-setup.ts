import { openRunTempDir } from './temp-dir'

/** Gives the run its own temp dir before any project starts. */
export default function tempDirSetup(): void {
  openRunTempDir()
}
