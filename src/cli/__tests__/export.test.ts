import fs from 'fs'
import os from 'os'
import path from 'path'
import { execFileSync } from 'child_process'
import { PROJECT_ROOT, cli } from './helpers'

jest.setTimeout(60_000)

const CLOUD = 'packages/destination-actions/src/destinations/convertro'
const WEB = 'packages/browser-destinations/destinations/convertro-web'
const INDEX = 'packages/actions-shared/src/index.ts'
const ORIGINAL_INDEX = "export * from './friendbuy/util'\n\nexport * from './engage/utils'\n"

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { encoding: 'utf8' })

/** The files of a checkout of Segment's monorepo that export reads, committed in a fresh git repository. */
function skeleton(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-monorepo-'))
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.writeFileSync(path.join(dir, file), text)
  }
  write('package.json', JSON.stringify({ name: 'action-destinations', private: true }))
  write('packages/destination-actions/src/destinations/podscribe/index.ts', 'export default {}\n')
  write('packages/browser-destinations/destinations/friendbuy/package.json', '{}\n')
  write(INDEX, ORIGINAL_INDEX)
  write('packages/actions-shared/package.json', JSON.stringify({ version: '1.164.0' }))
  write('packages/core/package.json', JSON.stringify({ version: '3.177.0' }))
  write('packages/browser-destination-runtime/package.json', JSON.stringify({ version: '1.106.0' }))
  const template = 'packages/cli/templates/destinations/browser'
  write(
    `${template}/package.json`,
    '{ "name": "@segment/analytics-browser-{{slug}}", "dir": "{{slugWithoutActions}}" }\n'
  )
  write(`${template}/tsconfig.json`, '{ "extends": "../../tsconfig.build.json" }\n')
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

/** Every path export must write: both destinations as they are, their extra files, and the shared rules. */
function expectedPaths(): string[] {
  const cloud = tracked('src/destinations/convertro').map((file) => path.join(CLOUD, file))
  const web = tracked('src/browser-destinations/convertro-web').map((file) => path.join(WEB, 'src', file))
  return [
    ...cloud,
    `${CLOUD}/__tests__/__helpers__/attribution.ts`,
    `${CLOUD}/metadata.json`,
    ...web,
    `${WEB}/src/test-attribution.ts`,
    `${WEB}/metadata.json`,
    `${WEB}/package.json`,
    `${WEB}/tsconfig.json`,
    'packages/actions-shared/src/convertro/convertro-rules.ts',
    INDEX
  ].sort()
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8')

describe('export', () => {
  const dirs: string[] = []
  const monorepo = () => {
    const dir = skeleton()
    dirs.push(dir)
    return dir
  }
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })))

  it('writes both destinations where the monorepo keeps them, with their imports rewritten', async () => {
    const dir = monorepo()
    const { code, stdout } = await cli(['export', dir])
    expect(code).toBe(0)
    const written = stdout.split('\n').flatMap((line) => (line.startsWith('wrote ') ? [line.slice(6)] : []))
    expect(written.sort()).toEqual(expectedPaths())
    expect(stdout).toContain(`export: ${written.length} written, 0 removed, 0 unchanged`)
    expect(stdout).toContain('Segment assigns each destination a metadata id')

    expect(read(dir, `${CLOUD}/index.ts`)).toContain("from '@segment/actions-shared'")
    expect(read(dir, `${WEB}/src/index.ts`)).toContain("from '@segment/actions-shared'")
    for (const file of written.filter((f) => f.endsWith('.ts'))) {
      expect(read(dir, file)).not.toMatch(/shared\/(convertro-rules|__tests__)/)
    }
    expect(read(dir, `${CLOUD}/orderCompleted/__tests__/index.test.ts`)).toContain(
      "from '../../__tests__/__helpers__/attribution'"
    )
    expect(read(dir, `${WEB}/src/orderCompleted/__tests__/index.test.ts`)).toContain("from '../../test-attribution'")
    expect(read(dir, INDEX)).toBe(`${ORIGINAL_INDEX}export * from './convertro/convertro-rules'\n`)
    expect(read(dir, 'packages/actions-shared/src/convertro/convertro-rules.ts')).toBe(
      read(PROJECT_ROOT, 'src/shared/convertro-rules.ts')
    )
    expect(JSON.parse(read(dir, `${WEB}/package.json`))).toEqual({
      name: '@segment/analytics-browser-actions-convertro-web',
      dir: 'convertro-web',
      dependencies: {
        '@segment/actions-core': '^3.177.0',
        '@segment/actions-shared': '^1.164.0',
        '@segment/browser-destination-runtime': '^1.106.0'
      }
    })
    const metadata = JSON.parse(read(dir, `${CLOUD}/metadata.json`)) as { slug: string; actions: object }
    expect([metadata.slug, Object.keys(metadata.actions)]).toEqual([
      'actions-convertro',
      ['identifyUser', 'trackEvent', 'orderCompleted', 'appInstalled']
    ])
    expect(JSON.parse(read(dir, `${WEB}/metadata.json`))).toMatchObject({ slug: 'actions-convertro-web' })

    const again = await cli(['export', dir])
    expect(again.stdout).toContain(`export: 0 written, 0 removed, ${written.length} unchanged`)
    expect(read(dir, INDEX)).toBe(`${ORIGINAL_INDEX}export * from './convertro/convertro-rules'\n`)
  })

  it('refuses to overwrite uncommitted changes unless --force, and removes what it no longer writes', async () => {
    const dir = monorepo()
    await cli(['export', dir])
    git(dir, 'add', '-A')
    git(dir, 'commit', '-qm', 'convertro')
    fs.writeFileSync(path.join(dir, CLOUD, 'constants.ts'), '// edited\n')
    fs.writeFileSync(path.join(dir, CLOUD, 'leftover.ts'), '// not ours any more\n')

    const refused = await cli(['export', dir])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('Refusing to overwrite uncommitted changes')
    expect(refused.stderr).toContain(`${CLOUD}/constants.ts`)
    expect(read(dir, `${CLOUD}/constants.ts`)).toBe('// edited\n')

    const forced = await cli(['export', dir, '--force'])
    expect(forced.code).toBe(0)
    expect(forced.stdout).toContain(`wrote ${CLOUD}/constants.ts`)
    expect(forced.stdout).toContain(`removed ${CLOUD}/leftover.ts`)
    expect(read(dir, `${CLOUD}/constants.ts`)).toBe(
      read(PROJECT_ROOT, 'src/destinations/convertro/constants.ts').replace(
        "'../../shared/convertro-rules'",
        "'@segment/actions-shared'"
      )
    )
    expect(git(dir, 'status', '--porcelain')).toBe('')
  })

  it('lists what it would write with --dry-run, and writes nothing', async () => {
    const dir = monorepo()
    const { code, stdout } = await cli(['export', dir, '--dry-run'])
    expect(code).toBe(0)
    expect(stdout).toContain(`would write ${CLOUD}/index.ts`)
    expect(git(dir, 'status', '--porcelain')).toBe('')
  })

  it('refuses a folder that is not the monorepo, saying what it lacks', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convertro-not-monorepo-'))
    dirs.push(dir)
    const { code, stderr } = await cli(['export', dir])
    expect(code).toBe(1)
    expect(stderr).toContain(`${dir} is not a checkout of segmentio/action-destinations`)
    expect(fs.readdirSync(dir)).toEqual([])
  })
})
