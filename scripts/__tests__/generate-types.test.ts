import { execFile } from 'child_process'
import fs from 'fs'
import os from 'os'
import path from 'path'
import { promisify } from 'util'

const run = promisify(execFile)
const ROOT = path.resolve(__dirname, '../..')

/** A copy of the project (sources only, dependencies linked) where generated files can be damaged safely. */
function copyProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-types-'))
  for (const entry of ['src', 'scripts', 'package.json', 'tsconfig.json', '.prettierrc.json']) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true })
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
  return dir
}

async function types(dir: string, ...args: string[]) {
  const script = path.join(dir, 'scripts/generate-types.ts')
  return run(path.join(ROOT, 'node_modules/.bin/ts-node'), ['--transpile-only', script, ...args], { cwd: dir }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error
  )
}

// Each case starts a TypeScript process, which takes seconds on a busy machine.
jest.setTimeout(60_000)

describe('npm run types', () => {
  let dir: string

  beforeAll(() => {
    dir = copyProject()
  })

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('finds the committed types current', async () => {
    const { code, stdout } = await types(dir, '--check')
    expect(code).toBe(0)
    expect(stdout).toContain('Generated types are up to date.')
  })

  it('fails --check on a stale file, naming it, and regenerates it without --check', async () => {
    const file = path.join(dir, 'src/destinations/convertro/trackEvent/generated-types.ts')
    const current = fs.readFileSync(file, 'utf8')
    fs.writeFileSync(file, current.replace('event_type?: string', 'event_type?: number'))

    const check = await types(dir, '--check')
    expect(check.code).toBe(1)
    expect(check.stderr).toContain('src/destinations/convertro/trackEvent/generated-types.ts')

    const write = await types(dir)
    expect(write.code).toBe(0)
    expect(write.stdout).toContain('1 file(s) written')
    expect(fs.readFileSync(file, 'utf8')).toBe(current)
  })

  it("checks the browser destination's files too, reading its definition from the named export", async () => {
    const file = path.join(dir, 'src/browser-destinations/convertro/orderCompleted/generated-types.ts')
    const current = fs.readFileSync(file, 'utf8')
    fs.writeFileSync(file, current.replace('order_id?: string', 'order_id?: number'))

    const check = await types(dir, '--check')
    expect(check.code).toBe(1)
    expect(check.stderr).toContain('src/browser-destinations/convertro/orderCompleted/generated-types.ts')

    fs.writeFileSync(file, current)
  })

  it('starts each file with the banner and types the settings', () => {
    const settings = fs.readFileSync(path.join(ROOT, 'src/destinations/convertro/generated-types.ts'), 'utf8')
    expect(settings.startsWith('// Generated file. DO NOT MODIFY IT BY HAND.\n')).toBe(true)
    expect(settings).toMatch(
      /export interface Settings \{[\s\S]*domain: string[\s\S]*hybridAttributionModel\?: boolean/
    )
  })
})
