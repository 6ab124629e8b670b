import { execFile } from 'child_process'
import fs from 'fs'
import path from 'path'
import { PROJECT_ROOT } from '../../src/cli/lib/paths'

// The script loads every command's module, in a process of its own (some load what jest's module system cannot).
jest.setTimeout(60_000)

const CLI_PAGE = path.join(PROJECT_ROOT, 'docs/cli.md')

describe('docs/cli.md', () => {
  it('shows what every command’s --help prints now (npm run docs:cli rewrites it)', async () => {
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        path.join(PROJECT_ROOT, 'node_modules/.bin/ts-node'),
        ['--transpile-only', 'scripts/cli-docs.ts', '--check'],
        { cwd: PROJECT_ROOT },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr })
      )
    })
    if (code !== 0) {
      throw new Error(`docs/cli.md differs from what the commands print: run npm run docs:cli.\n${output}`)
    }
    expect(output).toBe('docs/cli.md is up to date.\n')
  })

  it('has a section for each command', () => {
    const page = fs.readFileSync(CLI_PAGE, 'utf8')
    for (const name of ['serve', 'send', 'replay', 'migrate', 'export', 'validate', 'generate:types']) {
      expect(page).toContain(
        `### ${name} options\n\n\`\`\`text\n$ bin/run ${name} --help\nUsage: convertro-actions ${name}`
      )
    }
  })
})
