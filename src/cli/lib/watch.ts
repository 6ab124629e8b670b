import { watch } from 'chokidar'
import type { FSWatcher } from 'chokidar'

/**
 * Watches source folders and calls `onChange` once per burst of changes (an editor's save is often
 * several events). Resolves once the initial scan is done, so no change after that is missed.
 */
export async function watchSources(
  roots: string[],
  onChange: (file: string) => void,
  { log, ignored }: { log: (line: string) => void; ignored?: (file: string) => boolean }
): Promise<{ close(): Promise<void> }> {
  let timer: NodeJS.Timeout | undefined
  const watcher: FSWatcher = watch(roots, { ignoreInitial: true, ignored })
  watcher.on('all', (_event, file) => {
    clearTimeout(timer)
    timer = setTimeout(() => onChange(file), 150)
  })
  // An inotify limit (ENOSPC, EMFILE) must not take the server down: changes just stop being seen.
  watcher.on('error', (error) => log(`Watching for changes failed: ${(error as Error).message}`))
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()))
  return {
    close: async () => {
      clearTimeout(timer)
      await watcher.close()
    }
  }
}
