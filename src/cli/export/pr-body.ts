import { RETRY_POLICY_URL } from '../lib/fate'
import { failedChecks } from './checks'
import type { Check, Evidence, Provenance } from './checks'
import { localServerNote, monorepoCommands, securityNotes, summary, versioningNote } from './pr-text'
import type { PrContext } from './pr-text'
import { repliesFor } from './review-replies'

/** One part of the PR template: the text before its first heading, or a `## ` heading and what follows it. */
interface Section {
  heading?: string
  lines: string[]
}

/** What a checkbox of the template gets: ticked or not, and the lines shown under it. */
interface Answer {
  match: RegExp
  ticked: boolean
  notes: string[]
}

export const HEADINGS = {
  testing: '## Testing',
  security: '## Security Review',
  checklist: '## New Destination Checklist'
}
export const REPLIES_HEADING = '## Replies to the review'

/** The template's sections, its HTML comments left out. */
export function templateSections(template: string): Section[] {
  const sections: Section[] = [{ lines: [] }]
  for (const line of template.replace(/<!--[\s\S]*?-->/g, '').split('\n')) {
    if (line.startsWith('## ')) sections.push({ heading: line.trimEnd(), lines: [] })
    else sections[sections.length - 1].lines.push(line)
  }
  return sections
}

/** A section's lines without the template's italic guidance paragraphs (`_…_`), which the content replaces. */
function withoutGuidance(lines: string[]): string[] {
  const kept: string[] = []
  let paragraph: string[] = []
  const flush = () => {
    const text = paragraph.join('\n').trim()
    if (!(text.startsWith('_') && text.endsWith('_'))) kept.push(...paragraph)
    paragraph = []
  }
  for (const line of [...lines, '']) {
    if (line.trim() === '') {
      flush()
      if (kept.length > 0 && kept[kept.length - 1] !== '') kept.push('')
    } else paragraph.push(line)
  }
  return kept
}

const indent = (lines: string[]) => lines.map((line) => (line ? `  ${line}` : line))

/** A check as list lines: its command and figures, and what it saw in a code block. */
export function checkLines(check: Check): string[] {
  const lines = [`- \`${check.command}\`: ${check.ok ? '' : '**FAILED**: '}${check.summary}`]
  if (check.details.length > 0) lines.push(...indent(['```', ...check.details, '```']))
  if (check.table) lines.push('', ...check.table)
  return lines
}

/**
 * The template's checkbox lines as they are, each ticked when its answer says so, with its notes under it. An answer
 * whose box the template no longer has keeps its notes, after the section's lines.
 */
function answered(lines: string[], answers: Answer[]): string[] {
  const used = new Set<Answer>()
  const filled = lines.flatMap((line) => {
    const box = /^- \[ \] (.*)$/.exec(line)
    const answer = box && answers.find((a) => a.match.test(box[1]))
    if (!box || !answer) return [line]
    used.add(answer)
    return [`- [${answer.ticked ? 'x' : ' '}] ${box[1]}`, ...indent(answer.notes)]
  })
  return [...filled, ...answers.filter((answer) => !used.has(answer)).flatMap((answer) => answer.notes)]
}

/** A line naming the checks that failed, or nothing when none did. */
function failureLine(evidence: Evidence): string[] {
  const failed = failedChecks(evidence).map((check) => check.name)
  return failed.length === 0 ? [] : [`**Not ready: ${failed.join(', ')} failed (below).**`, '']
}

function testing(context: PrContext, evidence: Evidence, provenance: Provenance) {
  const { validate } = evidence
  const before = [
    ...failureLine(evidence),
    `Measured by the project's \`bin/run export --pr-body\` on ${provenance.at}, from ${provenance.revision}, which this PR's files are exported from; the checks run there, on the monorepo's test toolchain (${provenance.toolchain}).`,
    ''
  ]
  const answers: Answer[] = [
    { match: /unit tests/i, ticked: evidence.unit.ok, notes: checkLines(evidence.unit) },
    {
      match: /end-to-end/i,
      ticked: evidence.endToEnd.ok,
      notes: [`- ${localServerNote(context.mode)}`, ...checkLines(evidence.endToEnd)]
    },
    { match: /backward compatibility/i, ticked: false, notes: ['- Not applicable: a new destination, not live yet.'] }
  ]
  const after = [
    ...(evidence.scenarios
      ? [
          '',
          `Failure handling: each action, alone and in a batch with one invalid event, against a Convertro that fails on purpose; each event's fate is what Segment's runtime does with what the destination threw (its retry policy: ${RETRY_POLICY_URL}).`,
          ...checkLines(evidence.scenarios)
        ]
      : []),
    '',
    'Also checked for this description:',
    `- [${
      validate.ok ? 'x' : ' '
    }] The definition, with the project's \`validate\` (presets, FQL, field defaults, settings, descriptions, generated types)`,
    ...indent(checkLines(validate)),
    '',
    'To run in the monorepo (not run for this description; ticked once run):',
    ...monorepoCommands(context).map((command) => `- [ ] ${command}`)
  ]
  return { before, answers, after }
}

function security(context: PrContext, evidence: Evidence) {
  const notes = securityNotes(context).flatMap(({ text, measuredBy }) => {
    const check = measuredBy && evidence[measuredBy]
    if (!check) return [`- ${text}`]
    return [`- ${check.ok ? '' : '**Not met**: '}${text}`, ...indent([`Measured:`, ...checkLines(check)])]
  })
  return { before: [], answers: [{ match: /field definitions/i, ticked: true, notes }], after: [] }
}

function checklist(context: PrContext) {
  const answers = [{ match: /API versions?/i, ticked: false, notes: [`- ${versioningNote(context.mode)}`] }]
  return { before: [], answers, after: [] }
}

/** The review comments this PR answers with a reason instead of a change. */
function replies(context: PrContext): string[] {
  const list = repliesFor(context.mode).map((r) => `- **${r.id}** (${r.topic}): ${r.reply}`)
  return [REPLIES_HEADING, '', 'Review comments this PR answers with a reason instead of a change:', '', ...list]
}

/** One PR's description in the template's form: its headings and checkbox lines as they are, filled in. */
export function renderBody(template: string, context: PrContext, evidence: Evidence, provenance: Provenance): string {
  const content: Record<string, { before: string[]; answers: Answer[]; after: string[] }> = {
    [HEADINGS.testing]: testing(context, evidence, provenance),
    [HEADINGS.security]: security(context, evidence),
    [HEADINGS.checklist]: checklist(context)
  }
  const number = context.mode === 'cloud' ? 1 : 2
  const out = [`<!-- PR ${number} of 2: ${context.definition.name}, ${context.mode} mode -->`, '']
  const sections = templateSections(template)
  // A heading of ours that the template no longer has still gets its content, after the template's.
  const missing = Object.keys(content).filter((heading) => !sections.some((section) => section.heading === heading))
  for (const { heading, lines } of [...sections, ...missing.map((heading) => ({ heading, lines: [] }))]) {
    const kept = withoutGuidance(lines)
    const filled = heading ? content[heading] : undefined
    if (!heading) out.push(...summary(context), '', ...kept)
    else if (!filled) out.push(heading, '', ...lines)
    else out.push(heading, '', ...filled.before, ...answered(kept, filled.answers), ...filled.after, '')
  }
  out.push(...replies(context))
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim() + '\n'
  )
}
