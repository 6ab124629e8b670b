import fs from 'fs'
import path from 'path'
import type { Command } from 'commander'
import { DESTINATION_ROOTS, findDestination } from '../destinations'
import { count, port } from '../lib/options'
import { DEFAULT_JOURNAL, PROJECT_ROOT, STATE_DIR } from '../lib/paths'
import { COLLECTOR_HOST } from '../lib/collector-host'
import { DEFAULT_RETRY, RETRIED } from '../lib/retry'
import { startServer } from '../server/app'
import type { RunningServer } from '../server/app'
import { HOSTED_TESTER_ORIGINS, HOSTED_TESTER_URL } from '../server/hosted-tester'
import type { ServeTarget } from '../server/source'

const DEFAULT_RECORDS = path.relative(process.cwd(), path.join(STATE_DIR, 'collector.jsonl'))

/** Where Segment's monorepo keeps destinations, from its root: its serve's `-b` default, and its browser ones. */
const SEGMENT_DIRECTORIES = {
  cloud: './packages/destination-actions/src/destinations',
  browser: './packages/browser-destinations/destinations'
}

interface ServeFlags {
  port?: number
  host: string
  records: string
  watch: boolean
  settings?: string
  subscriptions?: string
  writeKey?: string
  journal: string
  retries: number
  retryDelay: number
  destination?: string
  directory?: string
  noUI?: boolean
  browser?: boolean
  scenario?: string
}

/** `-b`'s default: Segment's folder when the current one is Segment's monorepo, else the project's own. */
function defaultDirectory(browser: boolean): string {
  const segment = path.resolve(browser ? SEGMENT_DIRECTORIES.browser : SEGMENT_DIRECTORIES.cloud)
  return fs.existsSync(segment) ? segment : path.join(PROJECT_ROOT, DESTINATION_ROOTS[browser ? 1 : 0])
}

/** The destination `-d`, `-b` and `-r` name, or an error listing those there are (and the other mode's, if named). */
async function chooseTarget({ destination, directory, browser = false }: ServeFlags): Promise<ServeTarget> {
  try {
    return {
      dir: await findDestination(directory ? path.resolve(directory) : defaultDirectory(browser), destination),
      browser
    }
  } catch (error) {
    if (directory || !destination) throw error
    const inOther = await findDestination(defaultDirectory(!browser), destination).then(
      () => true,
      () => false
    )
    if (!inOther) throw error
    const hint = browser ? 'a server destination: serve it without -r' : 'a browser destination: serve it with -r'
    throw new Error(`${(error as Error).message} "${destination}" is ${hint}.`)
  }
}

/** What the server serves and who may call it, after the line with its URL. */
function describe(server: RunningServer, target: ServeTarget, flags: ServeFlags): void {
  const shown = path.relative(process.cwd(), target.dir) || '.'
  console.log(
    `Segment's routes (/manifest, /authenticate, /<action>) serve ${shown}${target.browser ? ' (device mode)' : ''}`
  )
  const key = flags.writeKey ? 'the write key given' : 'any write key'
  console.log(`Segment Tracking API: ${server.url}v1/ (${key}); accepted events are journaled to ${flags.journal}`)
  console.log(
    `Collector: calls to https://${COLLECTOR_HOST}/ (the domain when the settings name none) are answered here and kept in ${flags.records}`
  )
  if (flags.scenario)
    console.log(`Collector scenario: ${flags.scenario} (PUT or DELETE /collector/scenario changes it)`)
  if (flags.noUI) return
  // The second choice, after the page above: Segment's hosted tester needs a Segment login and runs cloud mode only.
  const origins = HOSTED_TESTER_ORIGINS.join(', ')
  console.log(
    `Or visit ${HOSTED_TESTER_URL} to preview your integration in Segment's hosted Actions Tester` +
      ` (it needs a Segment login, and runs cloud mode only; CORS allows ${origins}).`
  )
  if (server.liveReloadUrl) console.log(`Actions Tester live reload: ${server.liveReloadUrl}`)
}

async function serve(flags: ServeFlags): Promise<void> {
  const { retries, retryDelay, ...rest } = flags
  const target = await chooseTarget(flags)
  const resolve = (file?: string) => file && path.resolve(file)
  const server = await startServer({
    ...rest,
    port: flags.port ?? port(process.env.PORT || '3000'),
    records: path.resolve(flags.records),
    journal: path.resolve(flags.journal),
    settings: resolve(flags.settings),
    subscriptions: resolve(flags.subscriptions),
    scenario: resolve(flags.scenario),
    retry: { ...DEFAULT_RETRY, retries, delayMs: retryDelay },
    target,
    liveReload: !flags.noUI,
    log: (line) => console.log(line)
  })
  console.log(`Convertro actions server: ${server.url} (bound to ${server.address})`)
  // The page to open first: it needs no login and runs every action in both modes.
  const modes = target.browser ? 'in device mode' : 'in cloud and device mode'
  console.log(`Tester: open ${server.url} in a browser to try every action, ${modes} (no login)`)
  describe(server, target, flags)
  const stop = (signal: string) => {
    console.log(`${signal}: stopping`)
    void server.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

const SEGMENT_FLAGS = `
Segment's serve flags (-d, -b, -n, -r, -h) mean here what they mean in Segment's CLI, and PORT too
(default 3000; --port wins over it). Segment's hosted Actions Tester (${HOSTED_TESTER_URL})
can call this server: CORS lets ${HOSTED_TESTER_ORIGINS.join(', ')}
call /manifest, /authenticate and /<action>.`

export function configure(command: Command): void {
  command
    .option('-p, --port <port>', 'port to listen on, 0 for any free one (default: $PORT or 3000)', port)
    .option('--host <host>', 'address to bind; other than loopback exposes the server to the network', '127.0.0.1')
    .option('--records <file>', 'JSON-lines file where the collector keeps requests', DEFAULT_RECORDS)
    .option('--no-watch', 'do not reload the destination when its source changes')
    .option('-s, --settings <file>', 'settings for events sent to /v1 (default: the collector is the domain)')
    .option('--subscriptions <file>', 'subscriptions for those events, as migrate prints them (default: the presets)')
    .option(
      '--scenario <file>',
      'how the collector answers: a scenario file (JSON, see examples/scenarios/); default: 200, as Convertro does'
    )
    .option('--write-key <key>', 'require this write key on /v1 requests (default: any key is accepted)')
    .option(
      '--journal <file>',
      'JSON-lines journal of the events /v1 accepted',
      path.relative(process.cwd(), DEFAULT_JOURNAL)
    )
    .option('--retries <n>', `retries of a failure Segment retries (${RETRIED})`, count, DEFAULT_RETRY.retries)
    .option(
      '--retry-delay <ms>',
      'wait before the first retry, doubled each time up to 30 s',
      count,
      DEFAULT_RETRY.delayMs
    )
    .option(
      '-d, --destination <name>',
      "destination to serve: a folder of --directory, by folder name or slug (default: the directory's only one)"
    )
    .option(
      '-b, --directory <dir>',
      `destination actions directory (default: ${SEGMENT_DIRECTORIES.cloud} when it exists, else src/destinations; with -r, ${SEGMENT_DIRECTORIES.browser} or src/browser-destinations)`
    )
    .option('-n, --noUI', 'do not announce the hosted Actions Tester nor open its live-reload websocket')
    .option('-r, --browser', "serve the browser (device-mode) destination's definition on Segment's routes")
    .addHelpText('after', SEGMENT_FLAGS)
    .action(serve)
}
