import { Context } from '@segment/analytics-next'
import type { Analytics, Plugin, SegmentEvent } from '@segment/analytics-next'
import type { JSONValue } from '@segment/actions-core'
import type { Subscription } from '@segment/browser-destination-runtime/types'
import { loadScript } from '@segment/browser-destination-runtime/load-script'
import convertroDestination, { destination } from './index'
import type { Settings } from './generated-types'
import type { ConvertroCommand } from './types'

export const SETTINGS: Settings = { account: 'acme', hybridAttributionModel: false }

/**
 * The runtime's script loader, which each test file replaces with an automatic mock
 * (`jest.mock('@segment/browser-destination-runtime/load-script')`). A cast, not `jest.mocked`: Segment's
 * browser-destinations package runs jest 27.3, which does not have it.
 */
export const mockLoadScript = loadScript as jest.MockedFunction<typeof loadScript>

export type ActionKey = keyof typeof destination.actions

/** The destination's presets as analytics.js hands them to the plugin: one enabled subscription per action. */
export function subscriptionsFromPresets(): Subscription[] {
  return (destination.presets ?? []).map((preset) => ({
    name: preset.name ?? preset.partnerAction,
    partnerAction: preset.partnerAction,
    subscribe: preset.type === 'automatic' ? preset.subscribe : '',
    mapping: preset.mapping ?? {},
    enabled: true
  }))
}

/**
 * What live.js does when it runs: it takes `$CVO` over, runs what was queued, then takes pushes itself.
 * Every command it runs is appended to `received`.
 */
export function runLiveJs(received: ConvertroCommand[]): void {
  const queued: ConvertroCommand[] = Array.isArray(window.$CVO) ? [...window.$CVO] : []
  window.$CVO = {
    push: (...commands: ConvertroCommand[]) => received.push(...commands),
    trackEvent: () => undefined
  }
  window.$CVO.push(...queued)
}

/** A page where neither live.js nor the destination has run, and the script-load stub has no calls yet. */
export function resetPage(): void {
  delete window.$CVO
  mockLoadScript.mockReset()
}

export interface Loaded {
  /** One plugin per action, as the runtime makes them. */
  plugins: Record<ActionKey, Plugin>
  /** Every command live.js ran, in order: the complete list of what the destination pushed. */
  received: ConvertroCommand[]
}

/**
 * The destination's plugins for these settings and subscriptions. Script loading is stubbed by the test
 * file (`jest.mock` of the runtime's load-script): by default the stub runs live.js as soon as it is asked.
 */
export async function plugins(
  settings: Partial<Settings> = {},
  subscriptions = subscriptionsFromPresets()
): Promise<Loaded> {
  const received: ConvertroCommand[] = []
  mockLoadScript.mockImplementation(async () => {
    runLiveJs(received)
    return document.createElement('script')
  })
  const list = (await convertroDestination({
    ...SETTINGS,
    ...settings,
    subscriptions
  } as unknown as JSONValue)) as Plugin[]
  const byAction = Object.fromEntries(list.map((plugin) => [plugin.name.replace(`${destination.name} `, ''), plugin]))
  return { plugins: byAction as Record<ActionKey, Plugin>, received }
}

/** Plugins that have loaded, live.js ready. */
export async function loaded(settings: Partial<Settings> = {}, subscriptions = subscriptionsFromPresets()) {
  const result = await plugins(settings, subscriptions)
  for (const plugin of Object.values(result.plugins)) await plugin.load(Context.system(), {} as Analytics)
  return result
}

/** Delivers an event to a plugin the way analytics.js does, through the hook for its type. */
export async function deliver(plugin: Plugin, event: SegmentEvent): Promise<void> {
  const hook = event.type === 'identify' ? plugin.identify : plugin.track
  if (!hook) throw new Error(`${plugin.name} has no ${event.type} hook`)
  await hook.call(plugin, new Context(event))
}
