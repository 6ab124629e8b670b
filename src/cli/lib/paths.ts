import path from 'path'

/** The project's root folder, whichever way the CLI was started. */
export const PROJECT_ROOT = path.resolve(__dirname, '../../..')

/** Where the server keeps its files by default: the collector's records, the journal, replay's failures. */
export const STATE_DIR = path.join(PROJECT_ROOT, '.convertro')

/** The journal of `npm start`: its lock tells `replay` where the server answers. */
export const DEFAULT_JOURNAL = path.join(STATE_DIR, 'ingest.jsonl')
