import fs from 'fs'
import path from 'path'
import { PROJECT_ROOT, cli, copyProject } from './helpers'

// Each case starts a TypeScript process, which takes seconds on a busy machine.
jest.setTimeout(60_000)

describe('generate:types', () => {
  let dir: string

  beforeAll(() => {
    dir = copyProject()
  })

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('finds the committed types current', async () => {
    const { code, stdout } = await cli(['generate:types', '--check'], { cwd: dir })
    expect(code).toBe(0)
    expect(stdout).toBe('Generated types are up to date.\n')
  })

  /** Makes one generated file stale, checks that --check names it, and gives back its committed content. */
  async function staleFileFound(name: string, from: string, to: string): Promise<string> {
    const file = path.join(dir, name)
    const current = fs.readFileSync(file, 'utf8')
    fs.writeFileSync(file, current.replace(from, to))
    const check = await cli(['generate:types', '--check'], { cwd: dir })
    expect(check.code).toBe(1)
    expect(check.stderr).toContain(name)
    return current
  }

  it('fails --check on a stale file, naming it, and regenerates it without --check', async () => {
    const name = 'src/destinations/convertro/trackEvent/generated-types.ts'
    const current = await staleFileFound(name, 'event_type: string', 'event_type: number')

    const write = await cli(['generate:types'], { cwd: dir })
    expect(write.code).toBe(0)
    expect(write.stdout).toBe('Generated types: 1 file(s) written.\n')
    expect(fs.readFileSync(path.join(dir, name), 'utf8')).toBe(current)
  })

  it("checks the browser destination's files too, reading its definition from the named export", async () => {
    const name = 'src/browser-destinations/convertro-web/orderCompleted/generated-types.ts'
    const current = await staleFileFound(name, 'order_id: string', 'order_id: number')
    fs.writeFileSync(path.join(dir, name), current)
  })

  it('regenerates on a field change under --watch', async () => {
    const { spawn } = await import('child_process')
    const child = spawn(path.join(dir, 'bin/run'), ['generate:types', '--watch'], { cwd: dir })
    let output = ''
    const waiting: (() => void)[] = []
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      waiting.splice(0).forEach((check) => check())
    })
    const seen = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => (output.includes(text) ? resolve() : void waiting.push(check))
        check()
      })
    try {
      await seen('Watching the destinations')
      const action = path.join(dir, 'src/destinations/convertro/appInstalled/index.ts')
      fs.writeFileSync(
        action,
        fs.readFileSync(action, 'utf8').replace("label: 'App Name'", "label: 'App Name', required: true")
      )
      await seen('1 file(s) written')
      const types = fs.readFileSync(
        path.join(dir, 'src/destinations/convertro/appInstalled/generated-types.ts'),
        'utf8'
      )
      expect(types).toContain('\n  app_name: string\n')
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  })

  it('starts each file with the banner and types the settings', () => {
    const settings = fs.readFileSync(path.join(PROJECT_ROOT, 'src/destinations/convertro/generated-types.ts'), 'utf8')
    expect(settings.startsWith('// Generated file. DO NOT MODIFY IT BY HAND.\n')).toBe(true)
    expect(settings).toMatch(
      /export interface Settings \{[\s\S]*domain: string[\s\S]*hybridAttributionModel\?: boolean/
    )
  })
})
