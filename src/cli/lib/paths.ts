import path from 'path'

/** The project's root folder, whichever way the CLI was started. */
export const PROJECT_ROOT = path.resolve(__dirname, '../../..')
