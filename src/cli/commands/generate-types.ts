import fs from 'fs'
import path from 'path'
import prettier from 'prettier'
import { compile } from 'json-schema-to-typescript'
import type { Options as CompileOptions } from 'json-schema-to-typescript'
import type { JSONSchema4 } from 'json-schema'
import type { Command } from 'commander'
import { fieldsToJsonSchema } from '@segment/actions-core'
import { destinationDirs, destinationSources, forgetDestinations, loadDefinition } from '../destinations'
import { settingsOf } from '../lib/definition'
import type { Fields } from '../lib/definition'
import { PROJECT_ROOT } from '../lib/paths'
import { watchSources } from '../lib/watch'

const BANNER = '// Generated file. DO NOT MODIFY IT BY HAND.'

// `title` and `enum` only add noise to the generated interfaces (Segment's CLI strips them too).
function stripExtras(schema: JSONSchema4): JSONSchema4 {
  const copy = { ...schema }
  delete copy.title
  delete copy.enum
  if (copy.type === 'object' && copy.properties) {
    copy.properties = Object.fromEntries(Object.entries(copy.properties).map(([k, v]) => [k, stripExtras(v)]))
  } else if (copy.type === 'array' && copy.items && !Array.isArray(copy.items)) {
    copy.items = stripExtras(copy.items)
  }
  return copy
}

async function generate(fields: Fields, name: string, style: CompileOptions['style']): Promise<string> {
  const schema = stripExtras(fieldsToJsonSchema(fields, { tsType: true }) as JSONSchema4)
  return compile(schema, name, { bannerComment: BANNER, style })
}

/** Every generated-types.ts file of one destination, keyed by path, with its expected content. */
async function typesFor(dir: string): Promise<Map<string, string>> {
  const definition = await loadDefinition(dir)
  // The project's formatting options; its plugins are of no use to the compiler's own formatter.
  const { plugins: _plugins, ...style } = (await prettier.resolveConfig(path.join(dir, 'index.ts'))) ?? {}
  const files = new Map<string, string>()
  files.set(path.join(dir, 'generated-types.ts'), await generate(settingsOf(definition), 'Settings', style))
  for (const [key, action] of Object.entries(definition.actions)) {
    files.set(path.join(dir, key, 'generated-types.ts'), await generate(action.fields, 'Payload', style))
  }
  return files
}

/** One destination's generated-types.ts files that differ from what its field definitions produce, with that. */
async function staleFiles(dir: string): Promise<[string, string][]> {
  const files = [...(await typesFor(dir))]
  return files.filter(([file, content]) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== content)
}

/** One destination's stale generated-types.ts files, relative to the project root. */
export async function staleTypes(dir: string): Promise<string[]> {
  return (await staleFiles(dir)).map(([file]) => path.relative(PROJECT_ROOT, file))
}

/**
 * Compares every destination's generated-types.ts files with what its field definitions produce, and
 * (unless `check`) rewrites the stale ones. Returns the stale files, relative to the project root.
 */
export async function generateTypes({ check }: { check: boolean }): Promise<string[]> {
  const stale: string[] = []
  for (const dir of destinationDirs()) {
    for (const [file, content] of await staleFiles(dir)) {
      stale.push(path.relative(PROJECT_ROOT, file))
      if (!check) fs.writeFileSync(file, content)
    }
  }
  return stale
}

/** Writes the stale files (or, with `check`, only lists them) and says what it did; the exit code. */
async function typesOnce(check: boolean): Promise<number> {
  const stale = await generateTypes({ check })
  if (check && stale.length > 0) {
    console.error(`Stale generated types (run npm run types):\n${stale.map((file) => `  ${file}`).join('\n')}`)
    return 1
  }
  console.log(check ? 'Generated types are up to date.' : `Generated types: ${stale.length} file(s) written.`)
  return 0
}

/** Runs again on every change to a destination's source, one run at a time. */
async function watchTypes(check: boolean): Promise<void> {
  let running = Promise.resolve()
  const log = (line: string) => console.error(line)
  const rerun = () => {
    running = running.then(async () => {
      forgetDestinations()
      try {
        process.exitCode = await typesOnce(check)
      } catch (error) {
        log(`Kept the previous types: ${(error as Error).message}`)
      }
    })
  }
  // Writing generated files is itself a change: only the definitions' sources trigger a run.
  const ignored = (file: string) => file.endsWith('generated-types.ts')
  await watchSources(destinationSources(), rerun, { log, ignored })
  console.log('Watching the destinations for changes (Ctrl+C to stop).')
}

export function configure(command: Command): void {
  command
    .option('--check', 'write nothing; exit 1 when a generated file is stale')
    .option('--watch', 'regenerate whenever a destination’s source changes')
    .action(async ({ check, watch }: { check?: boolean; watch?: boolean }) => {
      process.exitCode = await typesOnce(Boolean(check))
      if (watch) await watchTypes(Boolean(check))
    })
}
