import fs from 'fs'
import os from 'os'
import path from 'path'
import { execFile, execFileSync } from 'child_process'
import { BROWSER_DESTINATION_DIR, SERVER_DESTINATION_DIR, loadDefinition } from '../destinations'
import type { Check, Evidence } from '../export/checks'
import { LAYOUTS } from '../export/layout'
import { renderBody } from '../export/pr-body'
import { runMatrix } from '../lab/matrix'
import { renderMatrix } from '../lab/render'
import { PROJECT_ROOT, cli } from './helpers'
import type { Run } from './helpers'

jest.setTimeout(60_000)

const CLOUD = 'packages/destination-actions/src/destinations/convertro'
const WEB = 'packages/browser-destinations/destinations/convertro-web'
const SHARED_PACKAGE = 'packages/actions-shared'
const INDEX = `${SHARED_PACKAGE}/src/index.ts`
const LEGACY_RULES = `${SHARED_PACKAGE}/src/convertro/convertro-rules.ts`
const LEGACY_LINE = "export * from './convertro/convertro-rules'"
const ORIGINAL_INDEX = "export * from './friendbuy/util'\n\nexport * from './engage/utils'\n"
const RULES = 'src/shared/convertro-rules.ts'

/** The monorepo's PR template at 970a17ee8d, its comments shortened. */
const PR_TEMPLATE = `<!-- Hello and thank you for contributing to Segment action-destinations! -->

_A summary of your pull request, including the what change you're making and why._

## Testing

_Include any additional information about the testing you have completed to
ensure your changes behave as expected. For a speedy review, please check
any of the tasks you completed below during your testing._

- [ ] Added [unit tests](https://github.com/segmentio/action-destinations/blob/main/docs/testing.md#local-end-to-end-testing) for new functionality
- [ ] Tested end-to-end using the [local server](https://github.com/segmentio/action-destinations/blob/main/docs/testing.md#local-end-to-end-testing)
- [ ] [If destination is already live] Tested for backward compatibility of destination. **Note:** New required fields are a breaking change.
- [ ] [Segmenters] Tested in the staging environment
- [ ] [Segmenters] [If applicable for this change] Tested for regression with Hadron.

## Security Review

_Please ensure sensitive data is properly protected in your integration._

- [ ] **Reviewed all field definitions** for sensitive data (API keys, tokens, passwords, client secrets) and confirmed they use \`type: 'password'\`

## New Destination Checklist

- [ ] Extracted all action API versions to \`verioning-info.ts\` file. [example](https://github.com/segmentio/action-destinations/blob/main/packages/destination-actions/src/destinations/facebook-conversions-api/versioning-info.ts)
`

const TEMPLATE_README = `# @segment/analytics-browser-{{slug}}

The {{name}} browser action destination for use with @segment/analytics-next.

## License

MIT License
`

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { encoding: 'utf8' })

const write = (dir: string, file: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
  fs.writeFileSync(path.join(dir, file), text)
}

/** The files of a checkout of Segment's monorepo that export reads, committed in a fresh git repository. */
function skeleton(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-monorepo-'))
  const scripts = { 'generate:metadata-payload': './bin/run generate:metadata-payload' }
  write(dir, 'package.json', JSON.stringify({ name: 'action-destinations', private: true, scripts }))
  write(dir, '.github/PULL_REQUEST_TEMPLATE.md', PR_TEMPLATE)
  write(dir, 'packages/destination-actions/src/destinations/podscribe/index.ts', 'export default {}\n')
  write(dir, 'packages/browser-destinations/destinations/friendbuy/package.json', '{}\n')
  write(dir, INDEX, ORIGINAL_INDEX)
  write(dir, `${SHARED_PACKAGE}/package.json`, JSON.stringify({ version: '1.164.0' }))
  write(dir, 'packages/core/package.json', JSON.stringify({ version: '3.177.0' }))
  write(dir, 'packages/browser-destination-runtime/package.json', JSON.stringify({ version: '1.106.0' }))
  const template = 'packages/cli/templates/destinations/browser'
  write(
    dir,
    `${template}/package.json`,
    '{ "name": "@segment/analytics-browser-{{slug}}", "repository": { "directory": "{{slugWithoutActions}}" }, "main": "./dist/cjs" }\n'
  )
  write(dir, `${template}/tsconfig.json`, '{ "extends": "../../tsconfig.build.json" }\n')
  write(dir, `${template}/README.md`, TEMPLATE_README)
  git(dir, 'init', '-q')
  git(dir, 'add', '-A')
  git(dir, 'commit', '-qm', 'monorepo')
  return dir
}

/** The project's files of a folder, relative to it. */
const tracked = (folder: string) =>
  git(PROJECT_ROOT, 'ls-files', folder)
    .split('\n')
    .filter(Boolean)
    .map((file) => path.relative(folder, file))

/** Every path one mode's export writes: its destination as it is, its own copy of the rules and their test. */
function expectedPaths(mode: 'cloud' | 'device'): string[] {
  if (mode === 'cloud') {
    return [
      ...tracked('src/destinations/convertro').map((file) => path.join(CLOUD, file)),
      `${CLOUD}/convertro-rules.ts`,
      `${CLOUD}/__tests__/convertro-rules.test.ts`,
      `${CLOUD}/__tests__/__helpers__/attribution.ts`,
      `${CLOUD}/metadata.json`
    ].sort()
  }
  return [
    ...tracked('src/browser-destinations/convertro-web').map((file) => path.join(WEB, 'src', file)),
    `${WEB}/src/convertro-rules.ts`,
    `${WEB}/src/__tests__/convertro-rules.test.ts`,
    `${WEB}/src/test-attribution.ts`,
    `${WEB}/metadata.json`,
    `${WEB}/package.json`,
    `${WEB}/tsconfig.json`,
    `${WEB}/README.md`
  ].sort()
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8')
const written = (stdout: string) =>
  stdout
    .split('\n')
    .flatMap((line) => (line.startsWith('wrote ') && !line.startsWith('wrote the PR') ? [line.slice(6)] : []))
    .sort()
/** What a run says it wrote or removed in the monorepo. */
const touched = (stdout: string) => stdout.split('\n').filter((line) => /^(wrote|removed) packages\//.test(line))
/** The paths git sees as new or changed in a checkout, folders shown whole when all of them is new. */
const changedPaths = (dir: string) =>
  git(dir, 'status', '--porcelain', '-uall')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3))

/** Every relative import of the exported TypeScript, resolved: each must name a file that was exported. */
function unresolvedImports(dir: string, files: string[]): string[] {
  const exported = new Set(files.map((file) => file.replace(/\.tsx?$/, '')))
  return files
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) =>
      [...read(dir, file).matchAll(/from '(\.\.?\/[^']*)'/g)].map((match) =>
        path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]))
      )
    )
    .filter((target) => !exported.has(target) && !exported.has(`${target}/index`))
    .filter((target) => !target.endsWith('/lib/test-data'))
}

describe('export', () => {
  const dirs: string[] = []
  const monorepo = () => {
    const dir = skeleton()
    dirs.push(dir)
    return dir
  }
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })))

  it('--mode cloud writes the cloud destination with its own rules and their test, nothing else', async () => {
    const dir = monorepo()
    const { code, stdout } = await cli(['export', dir, '--mode', 'cloud'])
    expect(code).toBe(0)
    expect(written(stdout)).toEqual(expectedPaths('cloud'))
    expect(changedPaths(dir).sort()).toEqual(expectedPaths('cloud'))
    expect(stdout).toContain(`export: ${expectedPaths('cloud').length} written, 0 removed, 0 unchanged`)
    expect(stdout).toContain('This run wrote the files of PR 1 (cloud mode).')

    expect(read(dir, `${CLOUD}/convertro-rules.ts`)).toBe(read(PROJECT_ROOT, RULES))
    expect(read(dir, `${CLOUD}/index.ts`)).toContain("from './convertro-rules'")
    expect(read(dir, `${CLOUD}/orderCompleted/index.ts`)).toContain("from '../convertro-rules'")
    const rulesTest = read(dir, `${CLOUD}/__tests__/convertro-rules.test.ts`)
    expect(rulesTest).toContain("from '../convertro-rules'")
    expect(rulesTest).toContain("from './__helpers__/attribution'")
    expect(read(dir, `${CLOUD}/orderCompleted/__tests__/index.test.ts`)).toContain(
      "from '../../__tests__/__helpers__/attribution'"
    )
    const files = expectedPaths('cloud')
    expect(unresolvedImports(dir, files)).toEqual([])
    for (const file of files.filter((f) => f.endsWith('.ts'))) {
      expect(read(dir, file)).not.toMatch(/shared\/|@segment\/actions-shared/)
    }
    const metadata = JSON.parse(read(dir, `${CLOUD}/metadata.json`)) as { slug: string; actions: object }
    expect([metadata.slug, Object.keys(metadata.actions)]).toEqual([
      'actions-convertro',
      ['identifyUser', 'trackEvent', 'orderCompleted', 'appInstalled']
    ])

    const again = await cli(['export', dir, '--mode', 'cloud'])
    expect(again.stdout).toContain(`export: 0 written, 0 removed, ${files.length} unchanged`)
  })

  it('--mode device writes the browser package, with publishConfig and its README, and nothing of the cloud one', async () => {
    const dir = monorepo()
    const { code, stdout } = await cli(['export', dir, '--mode', 'device'])
    expect(code).toBe(0)
    expect(written(stdout)).toEqual(expectedPaths('device'))
    expect(changedPaths(dir).sort()).toEqual(expectedPaths('device'))
    expect(stdout).toContain('This run wrote the files of PR 2 (device mode).')

    expect(read(dir, `${WEB}/src/convertro-rules.ts`)).toBe(read(PROJECT_ROOT, RULES))
    expect(read(dir, `${WEB}/src/index.ts`)).toContain("from './convertro-rules'")
    expect(read(dir, `${WEB}/src/__tests__/convertro-rules.test.ts`)).toContain("from '../test-attribution'")
    expect(read(dir, `${WEB}/src/orderCompleted/__tests__/index.test.ts`)).toContain("from '../../test-attribution'")
    expect(unresolvedImports(dir, expectedPaths('device'))).toEqual([])

    const pkg = JSON.parse(read(dir, `${WEB}/package.json`)) as Record<string, unknown>
    expect(pkg).toEqual({
      name: '@segment/analytics-browser-actions-convertro-web',
      repository: { directory: 'convertro-web' },
      publishConfig: { access: 'public', registry: 'https://registry.npmjs.org' },
      main: './dist/cjs',
      dependencies: { '@segment/actions-core': '^3.177.0', '@segment/browser-destination-runtime': '^1.106.0' }
    })
    // Where wingify's and appcues-web's have it: right after repository.
    expect(Object.keys(pkg).slice(0, 3)).toEqual(['name', 'repository', 'publishConfig'])
    const { name } = await loadDefinition(BROWSER_DESTINATION_DIR)
    expect(read(dir, `${WEB}/README.md`)).toBe(
      TEMPLATE_README.replace('{{slug}}', 'actions-convertro-web').replace('{{name}}', name)
    )
    expect(JSON.parse(read(dir, `${WEB}/metadata.json`))).toMatchObject({ slug: 'actions-convertro-web' })
  })

  it('writes both modes by default, cloud first, and still nothing in actions-shared', async () => {
    const dir = monorepo()
    const { code, stdout } = await cli(['export', dir])
    expect(code).toBe(0)
    const both = [...expectedPaths('cloud'), ...expectedPaths('device')].sort()
    expect(written(stdout)).toEqual(both)
    expect(changedPaths(dir).sort()).toEqual(both)
    expect(stdout.indexOf(`wrote ${CLOUD}/`)).toBeLessThan(stdout.indexOf(`wrote ${WEB}/`))
    expect(stdout).toContain('This run wrote both modes: commit')
    expect(stdout).toMatch(/1\. cloud mode[^\n]*\n\s+2\. device mode/)
    expect(stdout).toContain('The second needs nothing from the first in code')
    expect(read(dir, INDEX)).toBe(ORIGINAL_INDEX)
  })

  it('removes stale files only in the folders of the chosen mode', async () => {
    const dir = monorepo()
    await cli(['export', dir])
    write(dir, `${CLOUD}/leftover.ts`, '// not ours any more\n')
    write(dir, `${WEB}/src/leftover.ts`, '// not ours any more\n')
    git(dir, 'add', '-A')
    git(dir, 'commit', '-qm', 'convertro')

    const cloud = await cli(['export', dir, '--mode', 'cloud'])
    expect(touched(cloud.stdout)).toEqual([`removed ${CLOUD}/leftover.ts`])
    expect(changedPaths(dir)).toEqual([`${CLOUD}/leftover.ts`])

    const device = await cli(['export', dir, '--mode', 'device'])
    expect(touched(device.stdout)).toEqual([`removed ${WEB}/src/leftover.ts`])
  })

  it("takes out an earlier export's actions-shared module only where it is provably the project's", async () => {
    const dir = monorepo()
    write(dir, LEGACY_RULES, read(PROJECT_ROOT, RULES))
    write(dir, INDEX, `${ORIGINAL_INDEX}${LEGACY_LINE}\n`)
    git(dir, 'add', '-A')
    git(dir, 'commit', '-qm', 'an earlier export')

    // The device destination an earlier export left there still imports it: both stay.
    write(dir, `${WEB}/src/index.ts`, "import { TRIGGERS } from '@segment/actions-shared'\n")
    const kept = await cli(['export', dir, '--mode', 'cloud'])
    expect(kept.code).toBe(0)
    expect(kept.stdout).toContain(`left ${LEGACY_RULES} and the line "${LEGACY_LINE}" in ${INDEX} as it is`)
    expect(kept.stdout).toContain('the device destination there still imports it')
    expect(fs.existsSync(path.join(dir, LEGACY_RULES))).toBe(true)
    fs.rmSync(path.join(dir, WEB), { recursive: true })

    const removed = await cli(['export', dir, '--mode', 'cloud'])
    expect(removed.stdout).toContain(`removed ${LEGACY_RULES}`)
    expect(removed.stdout).toContain(`wrote ${INDEX}`)
    expect(read(dir, INDEX)).toBe(ORIGINAL_INDEX)
    expect(fs.existsSync(path.join(dir, `${SHARED_PACKAGE}/src/convertro`))).toBe(false)
  })

  it('leaves an actions-shared rules file that is not a version of the project’s, and says so', async () => {
    const dir = monorepo()
    write(dir, LEGACY_RULES, `${read(PROJECT_ROOT, RULES)}// edited in the monorepo\n`)
    write(dir, INDEX, `${ORIGINAL_INDEX}${LEGACY_LINE}\n`)
    git(dir, 'add', '-A')
    git(dir, 'commit', '-qm', 'an edited earlier export')

    const { code, stdout } = await cli(['export', dir, '--mode', 'cloud'])
    expect(code).toBe(0)
    expect(stdout).toContain(`left ${LEGACY_RULES} and the line`)
    expect(stdout).toContain(`is not a version of the project's ${RULES}`)
    expect(changedPaths(dir).filter((file) => file.startsWith(SHARED_PACKAGE))).toEqual([])
  })

  it('refuses to overwrite uncommitted changes unless --force', async () => {
    const dir = monorepo()
    await cli(['export', dir, '--mode', 'cloud'])
    git(dir, 'add', '-A')
    git(dir, 'commit', '-qm', 'convertro')
    fs.writeFileSync(path.join(dir, CLOUD, 'constants.ts'), '// edited\n')

    const refused = await cli(['export', dir, '--mode', 'cloud'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('Refusing to overwrite uncommitted changes')
    expect(refused.stderr).toContain(`${CLOUD}/constants.ts`)
    expect(read(dir, `${CLOUD}/constants.ts`)).toBe('// edited\n')

    const forced = await cli(['export', dir, '--mode', 'cloud', '--force'])
    expect(forced.code).toBe(0)
    expect(forced.stdout).toContain(`wrote ${CLOUD}/constants.ts`)
    expect(git(dir, 'status', '--porcelain')).toBe('')
  })

  it('lists what it would write with --dry-run, and writes nothing', async () => {
    const dir = monorepo()
    const { code, stdout } = await cli(['export', dir, '--dry-run', '--pr-body', path.join(dir, 'pr.md')])
    expect(code).toBe(0)
    expect(stdout).toContain(`would write ${CLOUD}/index.ts`)
    expect(stdout).toContain(`would write ${WEB}/package.json`)
    expect(stdout).toContain('would write the PR descriptions to')
    expect(git(dir, 'status', '--porcelain')).toBe('')
  })

  it('refuses a folder that is not the monorepo, saying what it lacks, and a mode it does not know', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-not-monorepo-'))
    dirs.push(dir)
    const { code, stderr } = await cli(['export', dir])
    expect(code).toBe(1)
    expect(stderr).toContain(`${dir} is not a checkout of segmentio/action-destinations`)
    expect(fs.readdirSync(dir)).toEqual([])

    const unknown = await cli(['export', monorepo(), '--mode', 'web'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain(
      "option '--mode <mode>' argument 'web' is invalid. Allowed choices are cloud, device, both."
    )
  })

  describe('--pr-body', () => {
    const templateBoxes = PR_TEMPLATE.split('\n').flatMap((line) => /^- \[ \] (.*)$/.exec(line)?.[1] ?? [])
    const headings = (body: string) => body.split('\n').filter((line) => line.startsWith('## '))
    const box = (body: string, text: string) => body.split('\n').filter((line) => line.slice(6) === text)
    const ticked = (body: string, pattern: RegExp) =>
      body
        .split('\n')
        .find((line) => /^- \[[ x]\] /.test(line) && pattern.test(line))
        ?.startsWith('- [x]')

    /** The number of test files jest runs for these paths, as it lists them. */
    const suitesOf = (paths: string[]) =>
      execFileSync('npx', ['jest', ...paths, '--listTests'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
        .split('\n')
        .filter(Boolean).length

    function checkTemplateForm(body: string) {
      expect(headings(body)).toEqual([
        '## Testing',
        '## Security Review',
        '## New Destination Checklist',
        '## Replies to the review'
      ])
      for (const text of templateBoxes) expect(box(body, text)).toHaveLength(1)
      expect(ticked(body, /Added \[unit tests\]/)).toBe(true)
      expect(ticked(body, /Tested end-to-end/)).toBe(true)
      expect(ticked(body, /Reviewed all field definitions/)).toBe(true)
      for (const unticked of [/backward compatibility/, /staging/, /Hadron/, /verioning-info/, /generate:types/]) {
        expect(ticked(body, unticked)).toBe(false)
      }
      expect(body).not.toMatch(/^_.*_$/m)
      expect(body).not.toContain('FAILED')
    }

    /** The jest figures the body reports, checked against what jest itself lists for the same paths. */
    function checkJestFigures(body: string) {
      const figures =
        /`TZ=UTC npx jest (\S+) (\S+) --ci --json`: (\d+) passed, (\d+) failed \((\d+) suites, 0 failed;/.exec(body)
      expect(figures).not.toBeNull()
      const [, folder, rulesTest, passed, failed, suites] = figures as RegExpExecArray
      expect(Number(passed)).toBeGreaterThan(0)
      expect(Number(failed)).toBe(0)
      expect(Number(suites)).toBe(suitesOf([folder, rulesTest]))
    }

    // Every check runs for real: two jest runs, a local server, Chromium.
    it('writes each PR’s description in the template’s form, with the figures its checks measured', async () => {
      const dir = monorepo()
      const file = path.join(dir, 'prs.md')
      const run = await exportWithBody(['export', dir, '--pr-body', file, '--cloud-pr', '#4001'])
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(`wrote the PR descriptions to ${file}: PR 1 (cloud) then PR 2 (device)`)
      const [cloud, device] = read(dir, 'prs.md').split(/(?=<!-- PR 2 of 2)/)
      expect(cloud).toMatch(/^<!-- PR 1 of 2: .*, cloud mode -->/)

      for (const body of [cloud, device]) {
        checkTemplateForm(body)
        checkJestFigures(body)
        expect(body).toMatch(/`bin\/run validate`: 0 error\(s\), 0 warning\(s\) for /)
        expect(body).toMatch(/Measured by the project's `bin\/run export --pr-body` on \d{4}-\d\d-\d\d \d\d:\d\d UTC/)
        expect(body).toContain('This is PR')
        expect(body).toContain('The second needs nothing from the first in code')
        expect(body).toContain('`event_type`')
      }
      expect(cloud).toContain(LAYOUTS.cloud.source)
      expect(device).toContain(LAYOUTS.device.source)
      expect(device).toContain('It follows the cloud-mode PR, #4001.')

      // The requests the end-to-end run made, one line each, as many as the collector recorded.
      const requests = cloud.match(/^ {6}GET \/api\/(user|hit|install)\/acme\/1\/\?sid=\S+ -> 200$/gm) ?? []
      expect(cloud).toContain(`4 events, ${requests.length} requests made, ${requests.length} recorded`)
      expect(requests.length).toBeGreaterThanOrEqual(4)
      expect(cloud).toMatch(/domain "127\.0\.0\.1": refused/)
      // The failure matrix, in the cloud PR's Testing section only.
      expect(cloud).toContain('- `bin/run scenarios`: 98 runs: 4 actions, alone and in a batch, against 13 answers')
      expect(cloud).toMatch(/^\| 501 Not Implemented +\| drop · 1 call +\| drop, drop, drop · 2 calls +\|/m)
      expect(device).not.toContain('bin/run scenarios')
      expect(device).toMatch(/\$CVO\.push\(\["trackUser",\{.*"id":"user-1024"/)
      expect(device).toMatch(/\$CVO\.push\(\["trackEvent",\{"type":"sale/)

      const replies = (body: string) => [...body.matchAll(/^- \*\*(\w+)\*\* /gm)].map((match) => match[1])
      expect(replies(cloud)).toEqual(['S5', 'S11', 'S12', 'N4', 'N6', 'N9', 'N10', 'N11', 'N12', 'N15', 'N17'])
      expect(replies(device)).toEqual(['S11', 'S12', 'S15', 'N4', 'N14', 'N16'])
    }, 240_000)

    /** The cloud PR's description for this evidence, from the template, with both destinations as they are. */
    async function cloudBody(evidence: Evidence): Promise<string> {
      const [definition, other] = await Promise.all(
        [SERVER_DESTINATION_DIR, BROWSER_DESTINATION_DIR].map(loadDefinition)
      )
      const context = {
        mode: 'cloud' as const,
        layout: LAYOUTS.cloud,
        definition,
        other,
        links: {},
        metadataCommand: 'yarn generate:metadata-payload'
      }
      return renderBody(PR_TEMPLATE, context, evidence, { at: 'now', revision: 'r', toolchain: 't' })
    }

    it('says which checks failed, and ticks no box they were the evidence for', async () => {
      const passed: Check = { command: 'c', ok: true, summary: '1 passed', details: [] }
      const failed: Check = { command: 'npx jest', ok: false, summary: '3 passed, 2 failed', details: ['failed: a'] }
      const evidence = { unit: failed, validate: passed, endToEnd: passed, domain: { ...failed, command: 'probe' } }
      const body = await cloudBody(evidence)
      expect(body).toContain('**Not ready: unit tests, domain refusals failed (below).**')
      expect(ticked(body, /Added \[unit tests\]/)).toBe(false)
      expect(ticked(body, /Tested end-to-end/)).toBe(true)
      expect(body).toContain('- `npx jest`: **FAILED**: 3 passed, 2 failed')
      expect(body).toContain('- **Not met**: The `domain` setting')
      expect(body).toContain('_(link to be added)_')
    })

    it('puts the failure matrix of `bin/run scenarios` in the Testing section', async () => {
      const passed: Check = { command: 'c', ok: true, summary: '1 passed', details: [] }
      const matrix = renderMatrix(await runMatrix(50)).split('\n')
      const scenarios = { command: 'bin/run scenarios', ok: true, summary: '98 runs', details: [], table: matrix }
      const evidence = { unit: passed, validate: passed, endToEnd: passed, domain: passed, scenarios }
      const body = await cloudBody(evidence)
      const testing = body.slice(body.indexOf('## Testing'), body.indexOf('Also checked for this description'))
      expect(testing).toContain('- `bin/run scenarios`: 98 runs\n\n' + matrix.join('\n'))
      expect(testing).toContain(
        'https://segment.com/docs/connections/destinations/#retries-between-segment-and-destinations'
      )
      expect(matrix[0]).toMatch(/^\| Convertro answers +\| identifyUser +\| identifyUser ×3 +\|/)
      expect(body).not.toContain('**Not ready')
    })
  })
})

/** The CLI with the time a run of every check takes on a busy machine (helpers' cli allows 50 s). */
function exportWithBody(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      path.join(PROJECT_ROOT, 'bin/run'),
      args,
      { cwd: PROJECT_ROOT, timeout: 200_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
      }
    )
  })
}
