import { parseFql, validate } from '@segment/destination-subscriptions'
import type { Subscription as Condition } from '@segment/destination-subscriptions'
import type { JSONObject, Preset } from '@segment/actions-core'
import type { Page } from 'playwright-core'
import { launchChromium } from '../../../test/chromium'
import { settingsOf } from '../lib/definition'
import type { AnyDefinition } from '../lib/definition'
import { SAMPLE_EVENTS, SAMPLE_SETTINGS } from '../lib/samples'
import { guarded, secondsSince } from './checks'
import type { Check } from './checks'
import type { LocalServer } from './local-server'

/** What the tester page's device runner (src/cli/server/device/runner.ts) reports for one run. */
interface DeviceOutcome {
  commands: unknown[]
  error?: { name: string; message: string }
  nothingPushed?: string
}

type RunInput = { action: string; event: JSONObject; settings: JSONObject; mapping: JSONObject }

interface DevicePage {
  run(input: RunInput): Promise<DeviceOutcome>
}

/** The browser destination's own settings, from the samples. */
function deviceSettings(definition: AnyDefinition): JSONObject {
  const keys = Object.keys(settingsOf(definition))
  return Object.fromEntries(Object.entries(SAMPLE_SETTINGS).filter(([key]) => keys.includes(key)))
}

/** One preset's sample event through the page's runner: whether its trigger takes it, and what reached `$CVO`. */
async function runPreset(page: Page, preset: Preset, settings: JSONObject): Promise<{ ok: boolean; lines: string[] }> {
  const event = SAMPLE_EVENTS[preset.partnerAction] as unknown as JSONObject | undefined
  const head = `${preset.name} (${preset.partnerAction}) <- examples/events/${preset.partnerAction}.json`
  if (!event) return { ok: false, lines: [`${head}: no sample event`] }
  const triggered = preset.type === 'automatic' && validate(parseFql(preset.subscribe) as Condition, event)
  const input: RunInput = { action: preset.partnerAction, event, settings, mapping: preset.mapping ?? {} }
  // Handed over as text: playwright's types for a JSON argument nest too deep for the compiler.
  const outcome = (await page.evaluate(
    (text: string) => (window as unknown as { convertroDevice: DevicePage }).convertroDevice.run(JSON.parse(text)),
    JSON.stringify(input)
  )) as DeviceOutcome
  const why = outcome.error ? `${outcome.error.name}: ${outcome.error.message}` : outcome.nothingPushed
  const status = `${triggered ? 'matches its trigger' : 'does NOT match its trigger'}, ${
    outcome.commands.length
  } command(s) pushed to $CVO`
  const lines = [`${head}: ${status}${why ? ` (${why})` : ''}`]
  lines.push(...outcome.commands.map((command) => `  $CVO.push(${JSON.stringify(command)})`))
  return { ok: triggered && !outcome.error && outcome.commands.length > 0, lines }
}

/**
 * Each automatic preset's sample event through the browser destination in headless Chromium: the local server's
 * tester page runs it with @segment/browser-destination-runtime's plugins, as analytics.js does, and a stand-in for
 * Convertro's live.js (served by the local server) records what was pushed to `$CVO`.
 */
export function deviceEndToEnd(server: LocalServer, definition: AnyDefinition): Promise<Check> {
  const command = "bin/run serve, then each preset's sample event through the tester page's device mode, in Chromium"
  return guarded(command, async () => {
    const started = Date.now()
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      await page.goto(server.url)
      await page.waitForFunction(() => 'convertroDevice' in window, undefined, { timeout: 30_000 })
      const presets = (definition.presets ?? []).filter((preset) => preset.type === 'automatic')
      const results = []
      for (const preset of presets) results.push(await runPreset(page, preset, deviceSettings(definition)))
      const pushed = results.reduce((sum, r) => sum + r.lines.length - 1, 0)
      const good = results.filter((r) => r.ok).length
      const summary = `${presets.length} events, ${pushed} commands pushed to $CVO; ${good} of ${
        presets.length
      } as expected (${secondsSince(started)})`
      return {
        command,
        ok: presets.length > 0 && good === presets.length,
        summary,
        details: results.flatMap((r) => r.lines)
      }
    } finally {
      await browser.close()
    }
  })
}
