import path from 'path'
import { Command, InvalidArgumentError } from 'commander'
import { DEFAULT_RETRY } from './pipeline/retry'
import { ROOT, DESTINATION_ROOTS, SERVER_DESTINATION_DIR, forgetModules, loadDefinition } from './lib/destinations'

// Each command loads what it needs when it runs, so `--help` and the other commands start quickly.

const DEFAULT_RECORDS = path.relative(process.cwd(), path.join(ROOT, '.convertro/collector.jsonl'))
const DEFAULT_JOURNAL = path.relative(process.cwd(), path.join(ROOT, '.convertro/ingest.jsonl'))

/** A parser for a whole-number option from `min` (up to `max`), refusing anything else with `message`. */
function wholeNumber(min: number, max = Infinity, message = `a whole number from ${min} up`) {
  return (value: string): number => {
    const n = Number(value)
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(message)
    return n
  }
}

const port = wholeNumber(0, 65535, 'a port is a whole number from 0 to 65535')
const count = wholeNumber(0)

async function typesOnce(check: boolean): Promise<number> {
  const { generateTypes } = await import('./lib/types')
  const stale = await generateTypes({ check })
  if (check && stale.length > 0) {
    console.error(`Stale generated types (run npm run types):\n${stale.map((file) => `  ${file}`).join('\n')}`)
    return 1
  }
  console.log(check ? 'Generated types are up to date.' : `Generated types: ${stale.length} file(s) written.`)
  return 0
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
}

export function program(): Command {
  const cli = new Command('convertro-actions')
    .description('Develop and run the Convertro destination locally: the commands of Segment’s actions CLI.')
    .showHelpAfterError()

  cli
    .command('generate:types')
    .description('Write each destination’s generated-types.ts files from its field definitions.')
    .option('--check', 'write nothing; exit 1 when a generated file is stale')
    .option('--watch', 'regenerate whenever a destination’s source changes')
    .action(async ({ check, watch: watching }: { check?: boolean; watch?: boolean }) => {
      process.exitCode = await typesOnce(Boolean(check))
      if (!watching) return
      const roots = DESTINATION_ROOTS.map((root) => path.join(ROOT, root))
      let running = Promise.resolve()
      // Writing generated files is itself a change: only the definitions' sources trigger a run.
      const ignored = (file: string) => file.endsWith('generated-types.ts')
      const log = (line: string) => console.error(line)
      const { watchSources } = await import('./lib/watch')
      await watchSources(
        roots,
        () => {
          running = running.then(async () => {
            roots.forEach(forgetModules)
            try {
              process.exitCode = await typesOnce(Boolean(check))
            } catch (error) {
              log(`Kept the previous types: ${(error as Error).message}`)
            }
          })
        },
        { log, ignored }
      )
      console.log('Watching the destinations for changes (Ctrl+C to stop).')
    })

  cli
    .command('validate')
    .description('Check the definitions: presets, subscriptions (FQL), field defaults, settings, descriptions, types.')
    .option('--json', 'print the findings as JSON')
    .action(async ({ json }: { json?: boolean }) => {
      const { validateProject } = await import('./lib/validate')
      const result = await validateProject()
      const ok = result.errors.length === 0
      const summary = `${result.destinations} destination(s), ${result.actions} action(s), ${result.presets} preset(s): ${result.errors.length} error(s), ${result.warnings.length} warning(s)`
      if (json) {
        console.log(JSON.stringify({ ok, summary, ...result }, null, 2))
      } else {
        for (const f of [...result.errors, ...result.warnings])
          console.log(`${f.level}: ${f.destination}: ${f.message}`)
        console.log(`validate: ${summary}`)
      }
      process.exitCode = ok ? 0 : 1
    })

  cli
    .command('serve')
    .description(
      'Serve the destination over HTTP: Segment’s Tracking API for your SDKs, a Convertro collector and a web tester.'
    )
    .option('-p, --port <port>', 'port to listen on, 0 for any free one (default: $PORT or 3000)', port)
    .option('--host <host>', 'address to bind; other than loopback exposes the server to the network', '127.0.0.1')
    .option('--records <file>', 'JSON-lines file where the collector keeps requests', DEFAULT_RECORDS)
    .option('--no-watch', 'do not reload the destination when its source changes')
    .option('-s, --settings <file>', 'settings for events sent to /v1 (default: the collector is the domain)')
    .option('--subscriptions <file>', 'subscriptions for those events, as migrate prints them (default: the presets)')
    .option('--write-key <key>', 'require this write key on /v1 requests (default: any key is accepted)')
    .option('--journal <file>', 'JSON-lines journal of the events /v1 accepted', DEFAULT_JOURNAL)
    .option('--retries <n>', 'retries of a retryable failure (408, 429, 5xx, no answer)', count, DEFAULT_RETRY.retries)
    .option(
      '--retry-delay <ms>',
      'wait before the first retry, doubled each time up to 30 s',
      count,
      DEFAULT_RETRY.delayMs
    )
    .action(async (options: ServeFlags) => {
      const { startServer } = await import('./server/app')
      const { retries, retryDelay, ...rest } = options
      const resolve = (file?: string) => file && path.resolve(file)
      const server = await startServer({
        ...rest,
        port: options.port ?? port(process.env.PORT || '3000'),
        records: path.resolve(options.records),
        journal: path.resolve(options.journal),
        settings: resolve(options.settings),
        subscriptions: resolve(options.subscriptions),
        retry: { ...DEFAULT_RETRY, retries, delayMs: retryDelay },
        log: (line) => console.log(line)
      })
      console.log(`Convertro actions server: ${server.url} (bound to ${server.address})`)
      const key = options.writeKey ? 'the write key given' : 'any write key'
      console.log(
        `Segment Tracking API: ${server.url}v1/ (${key}); accepted events are journaled to ${options.journal}`
      )
      const stop = (signal: string) => {
        console.log(`${signal}: stopping`)
        void server.close().then(() => process.exit(0))
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })

  cli
    .command('list-required-fields')
    .description('Print the required settings and the required fields of each action, as JSON.')
    .action(async () => {
      const { listRequiredFields } = await import('./commands/list-required-fields')
      console.log(JSON.stringify(await listRequiredFields(), null, 2))
    })

  cli
    .command('send')
    .description('Run one action on one Segment event and print the exact Convertro request(s).')
    .argument('<action>', 'action key, e.g. trackEvent')
    .requiredOption('-e, --event <file>', 'Segment event as JSON (- reads standard input)')
    .option('-s, --settings <file>', 'destination settings as JSON')
    .option('--dry-run', 'intercept the requests: print them, send nothing')
    .action(async (action: string, options: { event: string; settings?: string; dryRun?: boolean }) => {
      const { send } = await import('./commands/send')
      process.exitCode = await send(action, options)
    })

  cli
    .command('migrate')
    .description('Convert the classic Convertro destination’s settings into Actions settings and subscriptions.')
    .argument('<classic-settings.json>', 'the classic destination’s settings as JSON')
    .action(async (file: string) => {
      const [{ migrate }, { readJson }] = await Promise.all([import('./lib/migrate'), import('./lib/io')])
      const result = migrate(readJson(file), await loadDefinition(SERVER_DESTINATION_DIR))
      for (const warning of result.warnings) console.error(`warning: ${warning}`)
      console.log(JSON.stringify(result, null, 2))
    })

  cli
    .command('replay')
    .description(
      'Send a file of Segment events through the destination’s subscriptions, as the ingest server routes them.'
    )
    .argument('<events>', 'JSON-lines file of events (gzipped or not) or a JSON array file; - reads standard input')
    .option(
      '-s, --settings <file>',
      'destination settings as JSON, or migrate’s output (default: the sample settings); with no domain, calls go to the collector of a local npm start, http://127.0.0.1:$PORT (3000 when unset)'
    )
    .option('--subscriptions <file>', 'subscriptions as migrate prints them (default: the automatic presets)')
    .option(
      '--concurrency <n>',
      'batches of 100 events sent at once; each batch sends up to 10 Convertro calls at once',
      wholeNumber(1),
      4
    )
    .option('--retries <n>', 'retries of a retryable failure (408, 429, 5xx, no answer)', count, DEFAULT_RETRY.retries)
    .option(
      '--retry-delay <ms>',
      'wait before the first retry, doubled for each later one (up to 30 s)',
      count,
      DEFAULT_RETRY.delayMs
    )
    .option('--dry-run', 'intercept the requests: print them, send nothing')
    .option('--stats', 'print the peak memory and the events per second on standard error')
    .action(async (events: string, options: import('./commands/replay').ReplayOptions) => {
      const { replay } = await import('./commands/replay')
      process.exitCode = await replay(events, options)
    })

  return cli
}

/** Runs the CLI on this process's arguments. */
export function main(): void {
  // Output piped into a reader that stops early (`| head`) ends the command quietly, as Unix tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(process.exitCode ?? 0)
  })
  program()
    .parseAsync()
    .catch((error: Error) => {
      console.error(error.message)
      process.exit(1)
    })
}
