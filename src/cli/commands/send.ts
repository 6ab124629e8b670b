import type { Command } from 'commander'
import type { JSONObject } from '@segment/actions-core'
import { loadServerDestination } from '../destinations'
import { findCollector } from '../ingest/running'
import { CollectorAgent } from '../lib/collector-host'
import type { CollectorAddress } from '../lib/collector-host'
import { hasAction } from '../lib/definition'
import type { Exchange } from '../lib/exchanges'
import { fateLine } from '../lib/fate'
import { readJson } from '../lib/io'
import { interceptRequests, runAction } from '../lib/run'
import { withCollector } from '../routing/settings'

export interface SendOptions {
  event: string
  settings?: string
  /** The server whose collector answers `convertro.test`; by default, the running `serve`. */
  collector?: string
  dryRun?: boolean
}

/** Method and URL, then the decoded query as a two-column table, then the answer. */
export function formatExchange({ request, response }: Exchange, dryRun: boolean): string {
  const params = [...new URL(request.url).searchParams]
  const width = Math.max(0, ...params.map(([name]) => name.length))
  return [
    `${request.method} ${request.url}`,
    ...params.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`),
    dryRun ? '  (dry run: not sent)' : `  → ${response.statusCode} ${response.statusMessage}`
  ].join('\n')
}

/** Runs one action on one Segment event and prints the Convertro requests it made. */
export async function sendAndPrint(actionKey: string, options: SendOptions): Promise<number> {
  // Known once the settings are: the destination's requests are connected only once it sends.
  const found: { collector?: CollectorAddress } = {}
  const agent = new CollectorAgent(() => found.collector)
  const { definition, rules } = await loadServerDestination({ agent })
  if (!hasAction(definition, actionKey)) {
    console.error(`Unknown action "${actionKey}". Actions: ${Object.keys(definition.actions).join(', ')}.`)
    return 1
  }
  const payload = readJson(options.event) as JSONObject
  const settings = withCollector((options.settings ? readJson(options.settings) : {}) as JSONObject)
  try {
    found.collector = await findCollector('send', settings, rules.parseDomain, options)
  } catch (error) {
    console.error((error as Error).message)
    return 1
  }

  if (options.dryRun) await interceptRequests()
  const { exchanges, error, fates } = await runAction(definition, actionKey, { payload, settings })
  for (const exchange of exchanges) console.log(formatExchange(exchange, Boolean(options.dryRun)))
  if (!error) {
    if (exchanges.length === 0) console.log('No request: the action sent nothing for this event.')
    // A dry run's answers are made up: only a real answer tells the event's fate.
    if (!options.dryRun) console.log(fateLine(fates[0]))
    return 0
  }
  console.error(`${error.name}: ${error.summary}`)
  console.error(fateLine(fates[0]))
  return 1
}

export function configure(command: Command): void {
  command
    .argument('<action>', 'action key, e.g. trackEvent')
    .requiredOption('-e, --event <file>', 'Segment event as JSON (- reads standard input)')
    .option(
      '-s, --settings <file>',
      'destination settings as JSON; with no domain, calls go to convertro.test: the collector of the running npm start'
    )
    .option(
      '--collector <url>',
      'the server (e.g. http://127.0.0.1:3000) whose collector answers calls to convertro.test'
    )
    .option('--dry-run', 'intercept the requests: print them, send nothing')
    .action(async (action: string, options: SendOptions) => {
      process.exitCode = await sendAndPrint(action, options)
    })
}
