import type { Matrix, MatrixEntry } from './matrix'
import { BATCH_SIZE, INVALID_INDEX } from './matrix'

const calls = (count: number) => `${count} call${count === 1 ? '' : 's'}`

/** A cell: the fate (a batch's, event by event), then the calls Convertro received. */
const cell = ({ fate, calls: count }: MatrixEntry) =>
  `${Array.isArray(fate) ? fate.join(', ') : fate} · ${calls(count)}`

/** Rows padded to their columns, so the Markdown reads as a table in a terminal too. */
function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  const line = (row: string[]) => `| ${row.map((text, column) => text.padEnd(widths[column])).join(' | ')} |`
  return [line(rows[0]), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.slice(1).map(line)]
}

/** The matrix as Markdown: one row per answer, one column per action alone and in a batch. */
export function renderMatrix({ entries, answers, timeoutMs }: Matrix): string {
  const columns = [...new Set(entries.map((entry) => entry.action))].flatMap((action) => [
    { action, batch: false, title: action },
    { action, batch: true, title: `${action} ×${BATCH_SIZE}` }
  ])
  const rows = answers.map(({ id, label }) => [
    label.startsWith(id) ? label : `${id}: ${label}`,
    ...columns.map(({ action, batch }) => {
      const entry = entries.find((e) => e.action === action && e.batch === batch && e.scenario === id)
      return entry ? cell(entry) : '—'
    })
  ])
  return [
    ...table([['Convertro answers', ...columns.map((column) => column.title)], ...rows]),
    '',
    `Each cell: what Segment's runtime does with the event (a batch of ${BATCH_SIZE}: with each event, in order; event ${
      INVALID_INDEX + 1
    } has no device id), then the calls Convertro received. Requests are limited to ${timeoutMs} ms.`
  ].join('\n')
}
