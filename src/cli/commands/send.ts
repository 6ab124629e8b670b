import type { DestinationDefinition, JSONObject } from '@segment/actions-core'
import { SERVER_DESTINATION_DIR, loadDefinition } from '../lib/destinations'
import type { Exchange } from '../lib/exchanges'
import { readJson } from '../lib/io'
import { hasAction, interceptRequests, runAction } from '../lib/run'

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
export async function send(actionKey: string, options: SendOptions): Promise<number> {
  const definition = (await loadDefinition(SERVER_DESTINATION_DIR)) as DestinationDefinition<JSONObject>
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
