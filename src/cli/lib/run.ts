import { Destination, defaultValues } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import type { Definition } from './definition'
import { fateOf, fateOfEntry } from './fate'
import type { BatchEntry, Fate } from './fate'
import { describeError, summarize } from './exchanges'
import type { ErrorOutput, Exchange } from './exchanges'

export interface ActionInput {
  payload: JSONObject | JSONObject[]
  settings: JSONObject
  /** Merged over the action's field defaults, as Segment's server does. */
  mapping?: JSONObject
}

export interface ActionRun {
  exchanges: Exchange[]
  /** One entry per event, for an array payload (performBatch). */
  multistatus?: unknown[]
  error?: ErrorOutput
  /** What Segment's runtime does with each event, in order: one for a single event. */
  fates: Fate[]
}

/**
 * Answers every request of this process in-process with 200, for a dry run. Loaded only when called: nock takes
 * over Node's HTTP client for the whole process.
 */
export async function interceptRequests(): Promise<void> {
  const { default: nock } = await import('nock')
  nock.disableNetConnect()
  nock(/.*/).persist().get(/.*/).reply(200)
}

/**
 * Runs one action as Segment's runtime does, on a Destination of its own: actions-core keeps every
 * response on the instance, so a shared one would hand one run's requests to the next (or a concurrent) run.
 */
export async function runAction(
  definition: Definition,
  key: string,
  { payload, settings, mapping = {} }: ActionInput
): Promise<ActionRun> {
  const destination = new Destination(definition)
  const action = destination.actions[key]
  const bundle = { settings, mapping: { ...defaultValues(action.definition.fields), ...mapping }, auth: undefined }
  try {
    if (Array.isArray(payload)) {
      const multistatus = await action.executeBatch({ ...bundle, data: payload })
      const fates = payload.map((_event, index) => fateOfEntry(multistatus[index] as BatchEntry | undefined))
      return { exchanges: await summarize(destination.responses), multistatus, fates }
    }
    await action.execute({ ...bundle, data: payload })
    return { exchanges: await summarize(destination.responses), fates: [fateOf()] }
  } catch (error) {
    const stack = error instanceof Error ? error.stack?.split('\n') : undefined
    // A batch that fails as a whole fails each of its events alike.
    const fates = (Array.isArray(payload) ? payload : [payload]).map(() => fateOf(error))
    return { exchanges: await summarize(destination.responses), error: { ...describeError(error), stack }, fates }
  }
}
