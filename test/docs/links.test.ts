import fs from 'fs'
import path from 'path'
import { PROJECT_ROOT } from '../../src/cli/lib/paths'
import { anchors, docPages, linesWithFences, links, matchesShown, readPage, slug } from './markdown'

/** The README's budget: its first screen gets anyone going, and every detail has its page. */
const README_MAX_LINES = 150
/** Prose wider than this scrolls or wraps badly; code blocks and tables are exempt. */
const MAX_LINE = 200

describe('the docs', () => {
  const pages = docPages()

  it('are README.md, CONTRIBUTING.md and the pages under docs/', () => {
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'docs/contract.md', 'docs/cli.md']))
  })

  it.each(pages)('%s: every relative link and #anchor resolves', (page) => {
    const broken: string[] = []
    for (const { target, line } of links(readPage(page))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // https:, mailto:: not checked, there is no network
      const [file, anchor] = target.split('#')
      const resolved = file ? path.normalize(path.join(path.dirname(page), decodeURIComponent(file))) : page
      const absolute = path.join(PROJECT_ROOT, resolved)
      if (resolved.startsWith('..') || !fs.existsSync(absolute)) {
        broken.push(`${page}:${line}: ${target}: no file ${resolved}`)
        continue
      }
      if (anchor === undefined) continue
      if (!resolved.endsWith('.md')) {
        broken.push(`${page}:${line}: ${target}: an anchor into a file that is not markdown`)
      } else if (!anchors(fs.readFileSync(absolute, 'utf8')).has(anchor)) {
        broken.push(`${page}:${line}: ${target}: ${resolved} has no heading #${anchor}`)
      }
    }
    expect(broken).toEqual([])
  })

  it(`README.md has at most ${README_MAX_LINES} lines`, () => {
    expect(readPage('README.md').trimEnd().split('\n').length).toBeLessThanOrEqual(README_MAX_LINES)
  })

  it.each(pages)(`%s: no line over ${MAX_LINE} characters outside code blocks and tables`, (page) => {
    const long = linesWithFences(readPage(page))
      .filter(({ line, inCode }) => !inCode && !line.trimStart().startsWith('|') && [...line].length > MAX_LINE)
      .map(({ number, line }) => `${page}:${number}: ${[...line].length} characters`)
    expect(long).toEqual([])
  })
})

describe('the checks themselves', () => {
  it('make anchors as GitHub does', () => {
    expect(slug("Coming from Segment's CLI")).toBe('coming-from-segments-cli')
    expect(slug('How `serve` keeps events')).toBe('how-serve-keeps-events')
    expect(slug('generate:types options')).toBe('generatetypes-options')
    expect(slug('Notes for reviewers: the snapshot tests')).toBe('notes-for-reviewers-the-snapshot-tests')
    expect(slug('What do you want to do?')).toBe('what-do-you-want-to-do')
    expect([...anchors('# A\n## A\n```\n# not a heading\n```\n## A\n')]).toEqual(['a', 'a-1', 'a-2'])
  })

  it('find links outside code only', () => {
    const text = 'See [a](a.md#x) and `[b](b.md)`.\n```\n[c](c.md)\n```\n![d](d.png)\n'
    expect(links(text).map(({ target }) => target)).toEqual(['a.md#x', 'd.png'])
  })

  it('compare output with … standing for lines, or for text within a line', () => {
    expect(matchesShown(['a', '…', 'd'], ['a', 'b', 'c', 'd'])).toBe(true)
    expect(matchesShown(['a', '…', 'd'], ['a', 'd'])).toBe(true)
    expect(matchesShown(['GET x?sid=…&typ=sale'], ['GET x?sid=1&ts=2&typ=sale'])).toBe(true)
    expect(matchesShown(['a', 'b'], ['a', 'c'])).toBe(false)
    expect(matchesShown(['a'], ['a', 'b'])).toBe(false)
  })
})
