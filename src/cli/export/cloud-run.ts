import type { JSONObject, Preset } from '@segment/actions-core'
import type { AnyDefinition } from '../lib/definition'
import { SAMPLE_EVENTS, SAMPLE_SETTINGS } from '../lib/samples'
import { guarded, secondsSince } from './checks'
import type { Check } from './checks'
import type { LocalServer } from './local-server'

interface IngestView {
  counts: Record<string, number>
  events: {
    status: string
    reason?: string
    event: { messageId?: string }
    subscriptions: { partnerAction: string; matched: boolean; requests: { url: string; statusCode: number }[] }[]
  }[]
}

const ingestView = async (url: string) => (await (await fetch(`${url}ingest/events?limit=100`)).json()) as IngestView

/** The Events view once `count` events were accepted and none is pending. */
async function settled(url: string, count: number): Promise<IngestView> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const view = await ingestView(url)
    if (view.counts.accepted === count && view.counts.pending === 0) return view
    if (Date.now() > deadline) throw new Error(`the events were not done within 20 s: ${JSON.stringify(view.counts)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Each automatic preset's sample event (examples/events/<action>.json), with a message id naming the preset. */
function presetEvents(presets: Preset[]): JSONObject[] {
  return presets.map((preset, index) => {
    const sample = SAMPLE_EVENTS[preset.partnerAction]
    if (!sample)
      throw new Error(`no sample event for ${preset.partnerAction} (examples/events/${preset.partnerAction}.json)`)
    return { ...(sample as unknown as JSONObject), messageId: `pr-body-preset-${index}` }
  })
}

type Outcome = IngestView['events'][number]

/** One preset's event: where it went and the calls it made, and whether that is all as it should be. */
function describe(preset: Preset, outcome: Outcome | undefined): { ok: boolean; lines: string[] } {
  const head = `${preset.name} (${preset.partnerAction}) <- examples/events/${preset.partnerAction}.json`
  if (!outcome) return { ok: false, lines: [`${head}: not accepted`] }
  const matched = outcome.subscriptions.filter((s) => s.matched)
  const requests = matched.flatMap((s) => s.requests)
  const ok =
    outcome.status === 'sent' &&
    matched.length === 1 &&
    matched[0].partnerAction === preset.partnerAction &&
    requests.length > 0 &&
    requests.every((r) => r.statusCode >= 200 && r.statusCode < 300)
  const routed = matched.map((s) => s.partnerAction).join(', ') || 'no subscription'
  const status = `${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}, routed to ${routed}`
  const shown = (url: string) => new URL(url).pathname + new URL(url).search
  return { ok, lines: [`${head}: ${status}`, ...requests.map((r) => `  GET ${shown(r.url)} -> ${r.statusCode}`)] }
}

/**
 * Each automatic preset's sample event sent to the local server's Tracking API in one batch, routed by the presets'
 * subscriptions through the destination, into the server's stand-in Convertro collector.
 */
export function cloudEndToEnd(server: LocalServer, definition: AnyDefinition): Promise<Check> {
  const command = "bin/run serve, then POST /v1/batch with each preset's sample event"
  return guarded(command, async () => {
    const started = Date.now()
    const presets = (definition.presets ?? []).filter((preset) => preset.type === 'automatic')
    const events = presetEvents(presets)
    const sent = await fetch(`${server.url}v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ batch: events })
    })
    if (!sent.ok) throw new Error(`the Tracking API answered ${sent.status}: ${await sent.text()}`)
    const view = await settled(server.url, events.length)
    const byId = new Map(view.events.map((outcome) => [outcome.event.messageId, outcome]))
    const described = presets.map((preset, index) => describe(preset, byId.get(events[index].messageId as string)))
    const collected = (await (await fetch(`${server.url}collector/requests`)).json()) as { url: string }[]
    const made = described.reduce((sum, d) => sum + d.lines.filter((line) => line.startsWith('  GET')).length, 0)
    const ok = presets.length > 0 && described.every((d) => d.ok) && collected.length === made
    const summary = `${presets.length} events, ${made} requests made, ${
      collected.length
    } recorded by the server's stand-in Convertro; ${described.filter((d) => d.ok).length} of ${
      presets.length
    } as expected (${secondsSince(started)})`
    const origin = view.events.flatMap((e) => e.subscriptions.flatMap((s) => s.requests))[0]?.url
    const to = origin ? [`(requests to ${new URL(origin).origin}, the local server's stand-in Convertro)`] : []
    return { command, ok, summary, details: [...to, ...described.flatMap((d) => d.lines)] }
  })
}

/** Domains the destination must refuse before sending anything (the spec: public hosts over https only). */
export const REFUSED_DOMAINS = [
  'http://acme.sp1.convertro.com',
  'localhost',
  '127.0.0.1',
  '0x7f000001',
  '[::1]',
  'acme.sp1.convertro.com/path'
]

/** Whether the local server's POST /trackEvent, with `domain`, failed for good without a request. */
async function refused(server: LocalServer, domain: string): Promise<{ ok: boolean; line: string }> {
  const settings = { ...SAMPLE_SETTINGS, domain }
  const response = await fetch(`${server.url}trackEvent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ payload: SAMPLE_EVENTS.trackEvent, settings })
  })
  const body = (await response.json()) as {
    requestError?: boolean
    retryable?: boolean
    message?: string
    exchanges?: unknown[]
  }[]
  const error = body.length === 1 && body[0].requestError ? body[0] : undefined
  const ok = Boolean(error) && error?.retryable === false && (error?.exchanges ?? []).length === 0
  const what = error
    ? `${error.retryable ? 'retryable' : 'refused'}: ${error.message}`
    : `${body.length} request(s) made`
  return { ok, line: `domain ${JSON.stringify(domain)}: ${what}` }
}

/** The `domain` setting's refusals, measured through the local server's action route. */
export function domainCheck(server: LocalServer): Promise<Check> {
  const command = 'bin/run serve, then POST /trackEvent with each domain in the settings'
  return guarded(command, async () => {
    const results = []
    for (const domain of REFUSED_DOMAINS) results.push(await refused(server, domain))
    const refusedCount = results.filter((r) => r.ok).length
    const summary = `${refusedCount} of ${results.length} refused before any request`
    return { command, ok: refusedCount === results.length, summary, details: results.map((r) => r.line) }
  })
}
