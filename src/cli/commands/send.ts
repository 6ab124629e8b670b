import type { Command } from 'commander'
import type { JSONObject } from '@segment/actions-core'
import { loadServerDestination } from '../destinations'
import { hasAction } from '../lib/definition'
import type { Exchange } from '../lib/exchanges'
import { readJson } from '../lib/io'
import { interceptRequests, runAction } from '../lib/run'

export interface SendOptions {
  event: string
  settings?: string
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
  const { definition } = await loadServerDestination()
  if (!hasAction(definition, actionKey)) {
    console.error(`Unknown action "${actionKey}". Actions: ${Object.keys(definition.actions).join(', ')}.`)
    return 1
  }
  const payload = readJson(options.event) as JSONObject
  const settings = (options.settings ? readJson(options.settings) : {}) as JSONObject

  if (options.dryRun) await interceptRequests()
  const { exchanges, error } = await runAction(definition, actionKey, { payload, settings })
  for (const exchange of exchanges) console.log(formatExchange(exchange, Boolean(options.dryRun)))
  if (!error) {
    if (exchanges.length === 0) console.log('No request: the action sent nothing for this event.')
    return 0
  }
  console.error(`${error.name}: ${error.summary}`)
  return 1
}

export function configure(command: Command): void {
  command
    .argument('<action>', 'action key, e.g. trackEvent')
    .requiredOption('-e, --event <file>', 'Segment event as JSON (- reads standard input)')
    .option('-s, --settings <file>', 'destination settings as JSON')
    .option('--dry-run', 'intercept the requests: print them, send nothing')
    .action(async (action: string, options: SendOptions) => {
      process.exitCode = await sendAndPrint(action, options)
    })
}
