/**
 * What the docs tests read in the project's markdown: its pages, their headings' anchors as GitHub makes them,
 * their links, and the code blocks a page marks as runnable.
 */
import fs from 'fs'
import path from 'path'
import { PROJECT_ROOT } from '../../src/cli/lib/paths'

/** README.md, CONTRIBUTING.md and every page under docs/, as paths from the project's root. */
export function docPages(): string[] {
  const docs = fs
    .readdirSync(path.join(PROJECT_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`)
  return ['README.md', 'CONTRIBUTING.md', ...docs]
}

export function readPage(page: string): string {
  return fs.readFileSync(path.join(PROJECT_ROOT, page), 'utf8')
}

/** Each line with whether it is inside a fenced code block (the fences included). */
export function linesWithFences(text: string): { line: string; number: number; inCode: boolean }[] {
  let fence: string | undefined
  return text.split('\n').map((line, index) => {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line)
    let inCode = fence !== undefined
    if (opening) {
      if (fence === undefined) {
        fence = opening[1]
        inCode = true
      } else if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') {
        fence = undefined
        inCode = true
      }
    }
    return { line, number: index + 1, inCode }
  })
}

/**
 * A heading's anchor as GitHub makes it (github-slugger): the text without its markdown, lower-cased, every
 * character but letters, digits, marks, `_`, `-` and spaces removed, and spaces made hyphens.
 */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '')
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

/** A page's anchors: one per heading, the second of a name suffixed `-1`, the third `-2`, as GitHub does. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const found = new Set<string>()
  for (const { line, inCode } of linesWithFences(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (inCode || !heading) continue
    const base = slug(heading[1])
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    found.add(count === 0 ? base : `${base}-${count}`)
  }
  return found
}

/** The targets of a page's inline links and images, outside code blocks and code spans, with their lines. */
export function links(text: string): { target: string; line: number }[] {
  const found: { target: string; line: number }[] = []
  for (const { line, number, inCode } of linesWithFences(text)) {
    if (inCode) continue
    const prose = line.replace(/`[^`]*`/g, '')
    for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g))
      found.push({ target: match[1], line: number })
  }
  return found
}

/** The code blocks a page marks `<!-- runnable: name -->` (the comment, a blank line, then the block). */
export function runnableBlocks(page: string): { name: string; code: string; line: number }[] {
  const lines = readPage(page).split('\n')
  const blocks: { name: string; code: string; line: number }[] = []
  lines.forEach((line, index) => {
    const marker = /^<!-- runnable: (\S+) -->$/.exec(line.trim())
    if (!marker) return
    let start = index + 1
    while (lines[start]?.trim() === '') start++
    const fence = /^(`{3,})/.exec(lines[start] ?? '')
    if (!fence) throw new Error(`${page}:${index + 1}: the runnable mark is not followed by a code block`)
    const end = lines.findIndex((candidate, at) => at > start && candidate.trim() === fence[1])
    if (end < 0) throw new Error(`${page}:${start + 1}: the code block is not closed`)
    blocks.push({ name: marker[1], code: lines.slice(start + 1, end).join('\n'), line: start + 1 })
  })
  return blocks
}

/**
 * Whether `actual` has the lines `expected` shows: a line that is only `…` stands for any number of lines, and `…`
 * within a line for any text. Trailing spaces do not count.
 */
export function matchesShown(expected: string[], actual: string[]): boolean {
  const trim = (lines: string[]) => lines.map((line) => line.trimEnd())
  const want = trim(expected)
  const got = trim(actual)
  const lineMatches = (pattern: string, line: string) =>
    pattern.includes('…') ? new RegExp(`^${pattern.split('…').map(escape).join('.*')}$`).test(line) : pattern === line
  const memo = new Map<string, boolean>()
  const from = (i: number, j: number): boolean => {
    const key = `${i},${j}`
    const known = memo.get(key)
    if (known !== undefined) return known
    let result: boolean
    if (i === want.length) result = j === got.length
    else if (want[i].trim() === '…') result = from(i + 1, j) || (j < got.length && from(i, j + 1))
    else result = j < got.length && lineMatches(want[i], got[j]) && from(i + 1, j + 1)
    memo.set(key, result)
    return result
  }
  return from(0, 0)
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
