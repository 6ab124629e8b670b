import nock from 'nock'
import { Destination, defaultValues } from '@segment/actions-core'
import type { DestinationDefinition, JSONObject } from '@segment/actions-core'
import { SERVER_DESTINATION_DIR, loadDefinition } from '../lib/destinations'
import { describeError, summarize, type Exchange } from '../lib/exchanges'
import { readJson } from '../lib/io'

export interface SendOptions {
  event: string
  settings?: string
  dryRun?: boolean
}

/** Method and URL, then the decoded query as a two-column table, then the answer. */
export function formatExchange({ request, response }: Exchange, dryRun: boolean): string {
  const url = new URL(request.url)
  const params = [...url.searchParams]
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
  if (!(actionKey in definition.actions)) {
    console.error(`Unknown action "${actionKey}". Actions: ${Object.keys(definition.actions).join(', ')}.`)
    return 1
  }
  const event = readJson(options.event) as JSONObject
  const settings = (options.settings ? readJson(options.settings) : {}) as JSONObject

  if (options.dryRun) {
    // Every request is answered here, so nothing leaves the machine.
    nock.disableNetConnect()
    nock(/.*/).persist().get(/.*/).reply(200)
  }
  const destination = new Destination(definition)
  const action = destination.actions[actionKey]
  const mapping = defaultValues(action.definition.fields) as JSONObject
  let failure: unknown
  try {
    await action.execute({ data: event, settings, mapping, auth: undefined })
  } catch (error) {
    failure = error
  }
  const exchanges = await summarize(destination.responses)
  for (const exchange of exchanges) console.log(formatExchange(exchange, Boolean(options.dryRun)))
  if (failure === undefined) {
    if (exchanges.length === 0) console.log('No request: the action sent nothing for this event.')
    return 0
  }
  const { name, summary } = describeError(failure)
  console.error(`${name}: ${summary}`)
  return 1
}
