import path from 'path'

/** A relative module specifier in an import, export, require, jest.mock or dynamic import. */
const SPECIFIER =
  /(\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|\bjest\.mock\s*\(\s*|^import\s+)(['"])(\.\.?\/[^'"]*)\2/gm

const withoutTs = (file: string) => file.replace(/\.tsx?$/, '')

/** The module path `to` as a relative specifier from the folder `fromDir`. */
function specifierFor(fromDir: string, to: string): string {
  const relative = path.posix.relative(fromDir, withoutTs(to))
  return relative.startsWith('.') ? relative : `./${relative}`
}

/**
 * A project file as it reads at `target` in the monorepo: an import of one of the shared files (keyed by their path
 * in the project) points at that file's copy (its path in the monorepo). Other imports keep their text: the
 * destination's own files keep their places relative to one another, and `src/lib/test-data` is where the monorepo
 * has it. An import of some other shared file, which nothing places, is refused rather than left dangling.
 */
export function rewriteImports(text: string, source: string, target: string, shared: Record<string, string>): string {
  const copies = new Map(Object.entries(shared).map(([from, to]) => [withoutTs(from), to]))
  return text.replace(SPECIFIER, (whole, before: string, quote: string, specifier: string) => {
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(source), specifier))
    const copy = copies.get(resolved) ?? copies.get(`${resolved}/index`)
    if (copy) return `${before}${quote}${specifierFor(path.posix.dirname(target), copy)}${quote}`
    if (resolved.startsWith('src/shared/')) {
      throw new Error(`${source} imports ${specifier} (${resolved}), which export does not copy into the monorepo`)
    }
    return whole
  })
}
