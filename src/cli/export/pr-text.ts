import { settingsOf } from '../lib/definition'
import type { AnyDefinition } from '../lib/definition'
import type { Layout, Mode } from './layout'

/** What a PR's description is written from: its mode, both definitions, and the links the author gave. */
export interface PrContext {
  mode: Mode
  layout: Layout
  definition: AnyDefinition
  /** The other mode's definition. */
  other: AnyDefinition
  links: { cloudPr?: string; docsPr?: string }
  /** How the monorepo regenerates one destination's metadata.json (its package.json script, when it has one). */
  metadataCommand: string
}

const TO_ADD = '_(link to be added)_'
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')

/** The actions, each with the trigger its preset subscribes with (else its default subscription). */
function actionsTable(definition: AnyDefinition): string[] {
  const rows = Object.entries(definition.actions).map(([key, action]) => {
    const preset = definition.presets?.find((p) => p.partnerAction === key && p.type === 'automatic')
    const trigger = preset?.type === 'automatic' ? preset.subscribe : action.defaultSubscription ?? '(none)'
    return `| ${cell(action.title)} (\`${key}\`) | \`${cell(trigger)}\` | ${cell(action.description)} |`
  })
  return ['| Action | Default trigger | What it does |', '| --- | --- | --- |', ...rows]
}

function settingsTable(definition: AnyDefinition): string[] {
  const rows = Object.entries(settingsOf(definition)).map(
    ([key, field]) => `| ${cell(field.label)} (\`${key}\`) | ${field.type} | ${field.required ? 'yes' : 'no'} |`
  )
  return ['| Setting | Type | Required |', '| --- | --- | --- |', ...rows]
}

/** Convertro has no batch endpoint: what batching, where an action offers it, does about that. */
function batching(definition: AnyDefinition): string {
  const batched = Object.values(definition.actions).filter((action) => action.performBatch)
  if (batched.length === 0) return ' Convertro has no batch endpoint, so each event is its own call.'
  const on = batched.some((action) => action.fields.enable_batching?.default === true)
  return ` Convertro has no batch endpoint: batching is ${
    on ? 'on' : 'off'
  } by default, and a batch still makes one call per event, with a result per event.`
}

/** What this destination does, in a paragraph of its own. */
function whatItDoes({ mode, definition }: PrContext): string {
  const own = definition.description ? `${definition.description.trim()}\n\n` : ''
  if (mode === 'cloud') {
    return `${own}**${
      definition.name
    }** is a new cloud-mode destination for Convertro (multi-touch attribution). It sends Segment events to Convertro's server-side tracking API: one \`GET https://{domain}/api/{kind}/{clientName}/{siteId}/?…\` call per event (two for an Order Completed under the hybrid attribution model), with the device ID as \`sid\` on every call.${batching(
      definition
    )}`
  }
  return `${own}**${definition.name}** is a new device-mode (browser) destination for Convertro (multi-touch attribution). It loads Convertro's tag, \`live.js\`, for the account and pushes Segment's identify and track calls to its \`$CVO\` queue; calls made before the tag is ready are queued, not lost.`
}

/** Which PR this is, and what the second needs from the first. */
function twoPrs({ mode, definition, other, links }: PrContext): string[] {
  const [cloud, device] = mode === 'cloud' ? [definition, other] : [other, definition]
  const docs = `Both share one docs page (segment-docs PR: ${links.docsPr ?? TO_ADD}).`
  return [
    `Convertro gets two destinations, one per mode, in two PRs: **PR 1**, ${
      cloud.name
    } (cloud mode, packages/destination-actions), then **PR 2**, ${
      device.name
    } (device mode, a new packages/browser-destinations workspace). This is PR ${mode === 'cloud' ? '1' : '2'}.`,
    '',
    `The second needs nothing from the first in code: the rules both modes apply (default triggers, the attribution table, how amounts are read) are copied into each destination as \`convertro-rules.ts\`, with their test, so each PR builds and tests on its own and nothing changes in packages/actions-shared. ${
      mode === 'cloud'
        ? 'The device-mode PR follows and links this one.'
        : `It follows the cloud-mode PR, ${links.cloudPr ?? TO_ADD}.`
    } ${docs} The modes read an amount as Convertro's two APIs did: cloud trackEvent sends \`revenue\` as \`val\`, device mode sends \`total\`, else \`revenue\`, as \`amount\`.`
  ]
}

/** Moving from the classic Convertro destination. */
function migration({ mode, definition, other }: PrContext): string[] {
  const cloud = mode === 'cloud' ? definition : other
  const account = Object.hasOwn(settingsOf(cloud), 'account')
    ? '- `account` is a setting of both modes; cloud calls do not use it.'
    : `- \`account\` is device-mode only: cloud calls never use it, so ${cloud.name} has no such setting; ${
        mode === 'device' ? 'this destination' : 'the device-mode destination'
      } loads \`live.js\` for it.`
  return [
    'Moving from the classic Convertro destination:',
    '- The classic `events` setting (Segment event name → Convertro event name) has no Actions setting type: each entry becomes a Track Event (`trackEvent`) subscription to that event whose `event_type` is the Convertro name (`"Signed Up" → "signup"`: `type = "track" and event = "Signed Up"`, `event_type: "signup"`).',
    account,
    "- Classic settings convert into these settings and subscriptions with the destination project's `migrate` command (`bin/run migrate classic-settings.json`, `--mode device` for the device-mode ones), in actions-core's Subscription shape."
  ]
}

/** The description's opening, in place of the template's summary line. */
export function summary(context: PrContext): string[] {
  return [
    whatItDoes(context),
    '',
    ...actionsTable(context.definition),
    '',
    ...settingsTable(context.definition),
    '',
    ...twoPrs(context),
    '',
    ...migration(context)
  ]
}

/** Every setting and field of the destination that is `type: 'password'`. */
function passwordFields(definition: AnyDefinition): string[] {
  const settings = Object.entries(settingsOf(definition)).filter(([, field]) => field.type === 'password')
  const fields = Object.entries(definition.actions).flatMap(([key, action]) =>
    Object.entries(action.fields)
      .filter(([, field]) => (field.type as string) === 'password')
      .map(([name]) => `${key}.${name}`)
  )
  return [...settings.map(([key]) => key), ...fields]
}

/** Under the Security Review's box: what the fields hold, and what else a security reviewer should know. */
export function securityNotes({ mode, definition }: PrContext): { text: string; measuredBy?: 'domain' }[] {
  const settings = Object.entries(settingsOf(definition))
    .map(([key, field]) => `\`${key}\` (${field.type})`)
    .join(', ')
  const passwords = passwordFields(definition)
  const carried =
    mode === 'cloud'
      ? 'names and a host, which every request URL carries'
      : 'a name, which every visitor’s browser sees in the live.js URL'
  const secrets =
    passwords.length === 0
      ? `No setting or field holds a secret, so none is \`type: 'password'\`. Settings: ${settings}. The text ones are ${carried}; Convertro takes no API key or token.`
      : `Fields of \`type: 'password'\`: ${passwords.join(', ')}.`
  if (mode === 'cloud') {
    return [
      { text: secrets },
      {
        measuredBy: 'domain',
        text: 'The `domain` setting accepts only public hosts over https (the spec): plain http, loopback, private, link-local, unique-local and unspecified addresses and `localhost` names are refused before anything is sent, as a setting that is not a host name is.'
      },
      {
        text: 'Personal data sent to Convertro: the device ID (`sid`) on every call, the user agent (`cua`) and IP (`cip`) when present, the user ID on identify; traits are never sent.'
      }
    ]
  }
  return [
    { text: secrets },
    {
      text: "`live.js` is loaded over https from Convertro's CDN (`https://d1ivexoxmp59q7.cloudfront.net/{account}/live.js`), the account percent-encoded into the path; like every device-mode destination's partner tag, it runs in the customer's page."
    },
    {
      text: "Identify pushes the user's traits to `$CVO`, as the classic destination did (Engage audiences arrive as boolean traits); track calls push the Convertro event type, order ID and amount only."
    }
  ]
}

/** Under the checklist's API-version box. */
export function versioningNote(mode: Mode): string {
  const paths =
    mode === 'cloud'
      ? 'its calls (`/api/{kind}/{clientName}/{siteId}/`)'
      : 'its tag (`/{account}/live.js`) and the `$CVO` commands'
  return `Not applicable: ${paths} carry no API version, so there is nothing to extract, and the CLI template's versioning-info.ts is not added.`
}

/** Under the end-to-end box: what ran it, beside the monorepo's serve. */
export function localServerNote(mode: Mode): string {
  const what =
    mode === 'cloud'
      ? "the project's local server (`bin/run serve`: the routes of Segment's `./bin/run serve`, a Tracking API that routes events by the presets, and a stand-in Convertro collector)"
      : "the project's local server's tester page in headless Chromium (`bin/run serve`): the browser destination bundled with @segment/browser-destination-runtime and run as analytics.js runs it, Convertro's live.js replaced by a local stand-in that records what is pushed to `$CVO`"
  return `With ${what}; the monorepo's own serve is in the list below.`
}

/** The checks a reviewer runs in the monorepo, with what each shows; none is run for the description. */
export function monorepoCommands({ mode, definition, layout, metadataCommand }: PrContext): string[] {
  const folder = layout.target.split('/').pop()
  const common = [
    '`./bin/run generate:types`: no change to the generated-types.ts files',
    '`./bin/run validate`',
    `\`${metadataCommand} --slug=${definition.slug}\`: no change to metadata.json`
  ]
  if (mode === 'cloud') {
    return [
      ...common,
      `\`yarn cloud test --testPathPattern=src/destinations/${folder}\``,
      `\`./bin/run serve --destination=${folder}\`, each preset's event from the Actions Tester`
    ]
  }
  return [
    '`yarn install`: the browser package is a new workspace',
    ...common,
    `\`yarn browser test --testPathPattern=destinations/${folder}\``,
    `\`yarn build:browser-bundles && yarn browser size\`: ${folder} under size-limit's 315 kB`,
    '`./bin/run serve --directory ./packages/browser-destinations/destinations --browser`'
  ]
}
