/**
 * Writes `generated-types.ts` for each destination's settings and for each action's payload, from the
 * field definitions, the way Segment's actions CLI does. With `--check`, writes nothing and exits 1 when
 * a committed file differs from what would be generated.
 */
import fs from 'fs'
import path from 'path'
import prettier from 'prettier'
import { compile } from 'json-schema-to-typescript'
import type { JSONSchema4 } from 'json-schema'
import { fieldsToJsonSchema } from '@segment/actions-core'
import type { DestinationDefinition, GlobalSetting, InputField } from '@segment/actions-core'

const ROOT = path.resolve(__dirname, '..')
const DESTINATION_ROOTS = ['src/destinations', 'src/browser-destinations']
const BANNER = '// Generated file. DO NOT MODIFY IT BY HAND.'

type Fields = Record<string, InputField | GlobalSetting>

/** A cloud definition keeps its settings in `authentication.fields`, a browser one in `settings`. */
type AnyDefinition = Pick<DestinationDefinition<unknown>, 'actions' | 'authentication'> & { settings?: Fields }

// `title` and `enum` only add noise to the generated interfaces.
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

async function generate(fields: Fields, name: string, style: prettier.Options): Promise<string> {
  const schema = stripExtras(fieldsToJsonSchema(fields, { tsType: true }) as JSONSchema4)
  return compile(schema, name, { bannerComment: BANNER, style })
}

/** Every generated-types.ts file of one destination, keyed by path, with its expected content. */
async function typesFor(dir: string): Promise<Map<string, string>> {
  // A browser destination's default export is its plugin factory; its definition is the named `destination`.
  const module = (await import(path.join(dir, 'index.ts'))) as { default: AnyDefinition; destination?: AnyDefinition }
  const definition = module.destination ?? module.default
  const style = (await prettier.resolveConfig(path.join(dir, 'index.ts'))) ?? {}
  const files = new Map<string, string>()
  const settings = { ...definition.settings, ...definition.authentication?.fields }
  files.set(path.join(dir, 'generated-types.ts'), await generate(settings, 'Settings', style))
  for (const [key, action] of Object.entries(definition.actions)) {
    files.set(path.join(dir, key, 'generated-types.ts'), await generate(action.fields, 'Payload', style))
  }
  return files
}

async function main(check: boolean): Promise<number> {
  const dirs = DESTINATION_ROOTS.flatMap((root) =>
    fs
      .readdirSync(path.join(ROOT, root), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(ROOT, root, entry.name, 'index.ts')))
      .map((entry) => path.join(ROOT, root, entry.name))
  )
  const stale: string[] = []
  for (const dir of dirs) {
    for (const [file, content] of await typesFor(dir)) {
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined
      if (current === content) continue
      stale.push(path.relative(ROOT, file))
      if (!check) fs.writeFileSync(file, content)
    }
  }
  if (check && stale.length > 0) {
    console.error(`Stale generated types (run npm run types):\n${stale.map((file) => `  ${file}`).join('\n')}`)
    return 1
  }
  console.log(check ? 'Generated types are up to date.' : `Generated types: ${stale.length} file(s) written.`)
  return 0
}

main(process.argv.includes('--check')).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
