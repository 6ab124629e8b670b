import { runMatrix } from '../lab/matrix'
import { renderMatrix } from '../lab/render'
import { guarded } from './checks'
import type { Check } from './checks'

/** The failure matrix of `bin/run scenarios`, for the PR's Testing section: it needs no server but its own. */
export function scenariosCheck(): Promise<Check> {
  return guarded('bin/run scenarios', async () => {
    const matrix = await runMatrix()
    const actions = new Set(matrix.entries.map((entry) => entry.action)).size
    return {
      command: 'bin/run scenarios',
      ok: true,
      summary: `${matrix.entries.length} runs: ${actions} actions, alone and in a batch, against ${matrix.answers.length} answers`,
      details: [],
      table: renderMatrix(matrix).split('\n')
    }
  })
}
