import fs from 'fs'
import path from 'path'
import type { Layout } from './layout'

/** The CLI's template for a browser destination's package, in the monorepo. */
export const BROWSER_TEMPLATE = 'packages/cli/templates/destinations/browser'

/** The template files export fills in: the package's own files, beside its `src/`. */
export const BROWSER_TEMPLATE_FILES = ['package.json', 'tsconfig.json', 'README.md']

/** How the sibling packages publish (e.g. wingify's and appcues-web's package.json); the template leaves it out. */
export const PUBLISH_CONFIG = { access: 'public', registry: 'https://registry.npmjs.org' }

/** What the package's code imports, at the versions the monorepo's packages have now. */
const DEPENDENCIES: Record<string, string> = {
  '@segment/actions-core': 'core',
  '@segment/browser-destination-runtime': 'browser-destination-runtime'
}

const read = (file: string) => fs.readFileSync(file, 'utf8')

function versionOf(monorepo: string, pkg: string): string {
  return (JSON.parse(read(path.join(monorepo, 'packages', pkg, 'package.json'))) as { version: string }).version
}

/** The template's package.json with its dependencies, and `publishConfig` where the siblings have it: after `repository`. */
function packageJson(template: string, monorepo: string): string {
  const filled = JSON.parse(template) as Record<string, unknown>
  const pkg: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(filled)) {
    pkg[key] = value
    if (key === 'repository') pkg.publishConfig = PUBLISH_CONFIG
  }
  pkg.publishConfig ??= PUBLISH_CONFIG
  pkg.dependencies = Object.fromEntries(
    Object.entries(DEPENDENCIES).map(([name, dir]) => [name, `^${versionOf(monorepo, dir)}`])
  )
  return JSON.stringify(pkg, null, 2) + '\n'
}

/**
 * The browser package's own files, from the CLI's template filled in as its `init` fills it (Mustache: `{{slug}}`,
 * `{{name}}`, `{{slugWithoutActions}}`), by their path in the monorepo.
 */
export function browserPackageFiles(monorepo: string, layout: Layout, definition: { slug?: string; name: string }) {
  const values: Record<string, string> = {
    slug: definition.slug ?? '',
    name: definition.name,
    slugWithoutActions: path.basename(layout.target)
  }
  const fill = (file: string) =>
    read(path.join(monorepo, BROWSER_TEMPLATE, file)).replace(
      /{{(\w+)}}/g,
      (whole, key: string) => values[key] ?? whole
    )
  return BROWSER_TEMPLATE_FILES.map((file): [string, string] => [
    path.join(layout.target, file),
    file === 'package.json' ? packageJson(fill(file), monorepo) : fill(file)
  ])
}
