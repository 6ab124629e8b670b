import { findChromium, reason } from './chromium'
import type { ChromiumCandidates } from './chromium'

/** Candidates with made-up paths: `starts` maps each path that starts to its version; anything else fails. */
function candidates(
  starts: Record<string, string>,
  overrides: Partial<ChromiumCandidates> = {}
): ChromiumCandidates & { started: string[] } {
  const started: string[] = []
  return {
    started,
    system: ['/usr/bin/chromium', '/usr/bin/chromium-browser'],
    exists: (file) => file in starts || file.endsWith('broken'),
    bundled: async () => ({ path: '/cache/chromium', packageLabel: '@sparticuz/chromium 1.0.0' }),
    start: async (file) => {
      started.push(file)
      if (!(file in starts)) throw new Error(`cannot start ${file}\nlaunch log`)
      return starts[file]
    },
    ...overrides
  }
}

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first, even when a system Chromium starts', async () => {
    const found = candidates({ '/opt/chrome': '150.0', '/usr/bin/chromium': '156.0' }, { explicit: '/opt/chrome' })
    await expect(findChromium(found)).resolves.toEqual({
      source: 'CHROMIUM_PATH',
      path: '/opt/chrome',
      version: '150.0'
    })
    expect(found.started).toEqual(['/opt/chrome'])
  })

  it('fails on a CHROMIUM_PATH that does not start, without falling back', async () => {
    const found = candidates({ '/usr/bin/chromium': '156.0', '/cache/chromium': '143.0' }, { explicit: '/nonexistent' })
    await expect(findChromium(found)).rejects.toThrow(
      'CHROMIUM_PATH=/nonexistent does not start: cannot start /nonexistent'
    )
    expect(found.started).toEqual(['/nonexistent'])
  })

  it('takes the first system Chromium that starts, skipping missing and broken ones', async () => {
    const found = candidates(
      { '/usr/bin/chromium-browser': '155.0', '/cache/chromium': '143.0' },
      { system: ['/usr/bin/missing', '/usr/bin/broken', '/usr/bin/chromium-browser', '/usr/bin/chromium'] }
    )
    await expect(findChromium(found)).resolves.toEqual({
      source: 'system',
      path: '/usr/bin/chromium-browser',
      version: '155.0'
    })
    expect(found.started).toEqual(['/usr/bin/broken', '/usr/bin/chromium-browser'])
  })

  it('falls back to the bundled Chromium when no system one starts', async () => {
    const found = candidates({ '/cache/chromium': '143.0' }, { system: ['/usr/bin/broken', '/usr/bin/chromium'] })
    await expect(findChromium(found)).resolves.toEqual({
      source: 'bundled',
      path: '/cache/chromium',
      version: '143.0',
      packageLabel: '@sparticuz/chromium 1.0.0'
    })
    expect(found.started).toEqual(['/usr/bin/broken', '/cache/chromium'])
  })

  it('treats an empty CHROMIUM_PATH as unset', async () => {
    const found = candidates({ '/usr/bin/chromium': '156.0' }, { explicit: '' })
    await expect(findChromium(found)).resolves.toMatchObject({ source: 'system', path: '/usr/bin/chromium' })
  })

  it('names every candidate it tried when none starts', async () => {
    const found = candidates({}, { system: ['/usr/bin/broken'] })
    await expect(findChromium(found)).rejects.toThrow(
      'no Chromium starts (/usr/bin/broken: cannot start /usr/bin/broken; ' +
        '@sparticuz/chromium 1.0.0: cannot start /cache/chromium); set CHROMIUM_PATH to one that does'
    )
  })

  it('says so when the bundled Chromium cannot be unpacked', async () => {
    const found = candidates(
      {},
      { system: [], bundled: () => Promise.reject(new Error("Cannot find module '@sparticuz/chromium'")) }
    )
    await expect(findChromium(found)).rejects.toThrow(
      "no Chromium starts (@sparticuz/chromium: Cannot find module '@sparticuz/chromium')"
    )
  })
})

describe('reason', () => {
  it('keeps what a failed launch says about the browser: the summary, its exit code and its errors', () => {
    // The shape of playwright-core's message for a binary that exits at once.
    const message = [
      'browserType.launch: Target page, context or browser has been closed',
      'Browser logs:',
      '',
      '<launching> /opt/chrome --headless --no-sandbox',
      '<launched> pid=7',
      '[pid=7][err] error while loading shared libraries: libnss3.so: cannot open shared object file',
      'Call log:',
      '\u001b[2m  - <launching> /opt/chrome --headless --no-sandbox\u001b[22m',
      '\u001b[2m  - [pid=7][err] error while loading shared libraries: libnss3.so\u001b[22m',
      '\u001b[2m  - [pid=7] <process did exit: exitCode=127, signal=null>\u001b[22m'
    ].join('\n')
    expect(reason(new Error(message))).toBe(
      'browserType.launch: Target page, context or browser has been closed (exitCode=127): ' +
        'error while loading shared libraries: libnss3.so: cannot open shared object file'
    )
    expect(reason('plain')).toBe('plain')
  })
})
