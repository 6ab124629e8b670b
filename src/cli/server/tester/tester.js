'use strict'
// The tester talks only to the server that served it, by relative URL, so it works on any host and port.

const $ = (id) => document.getElementById(id)
const state = { manifest: null, samples: null }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag)
  Object.assign(node, attrs)
  for (const child of children) node.append(child)
  return node
}

const pretty = (value) => JSON.stringify(value, null, 2)

async function getJson(url, init) {
  const response = await fetch(url, init)
  const body = await response.json()
  return { status: response.status, body, headers: response.headers }
}

// The picker's entries: `action:key` and `preset:index` run on the server (cloud mode), `device-action:key` and
// `device-preset:index` run the browser destination in this page (device mode).
const MODES = {
  cloud: { prefix: '', title: 'Cloud mode: requests to Convertro' },
  device: { prefix: 'device-', title: 'Device mode: commands pushed to $CVO' }
}

/** A mode's destination; served with -r, the manifest is the browser destination's, and there is no cloud mode. */
function definitionOf(mode) {
  if (mode === 'device') return state.device
  return state.manifest.mode === 'device' ? undefined : state.manifest
}

/** What a picker value stands for: the mode, the action, its fields and the mapping it starts from. */
function entryOf(value) {
  const [kind, key] = value.split(':')
  const mode = kind.startsWith(MODES.device.prefix) ? 'device' : 'cloud'
  const definition = definitionOf(mode)
  if (kind.endsWith('action')) {
    const fields = definition.actions[key].fields
    const mapping = (mode === 'cloud' ? state.samples : state.device).defaults[key]
    return { mode, action: key, fields, mapping }
  }
  const preset = definition.presets[Number(key)]
  return { mode, action: preset.partnerAction, fields: definition.actions[preset.partnerAction].fields, preset }
}

function selectedAs(value) {
  const entry = entryOf(value)
  return entry.preset ? { ...entry, mapping: entry.preset.mapping } : entry
}

const selected = () => selectedAs($('target').value)

/** The same action in the other mode, from its preset when a preset is chosen: undefined when it has none. */
function counterpart(entry) {
  const mode = entry.mode === 'cloud' ? 'device' : 'cloud'
  const definition = definitionOf(mode)
  if (!definition || !definition.actions[entry.action]) return undefined
  const prefix = MODES[mode].prefix
  const index = entry.preset ? definition.presets.findIndex((p) => p.partnerAction === entry.action) : -1
  return selectedAs(index >= 0 ? `${prefix}preset:${index}` : `${prefix}action:${entry.action}`)
}

function fillSample() {
  const { action, mapping } = selected()
  $('event').value = pretty(state.samples.events[action] ?? {})
  $('mapping').value = pretty(mapping)
  showPaths()
  renderFields()
  updateBoth()
}

function parseField(id, label) {
  try {
    return JSON.parse($(id).value || '{}')
  } catch (error) {
    throw new Error(`${label} is not valid JSON: ${error.message}`)
  }
}

// Fields, not JSON: each field of the chosen action is a row whose input writes into the mapping JSON, and an edit of
// the JSON redraws the rows, so the two always say the same.

const isPlainObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)
const isEmpty = (value) => value === undefined || value === null || value === ''
/** A mapping value of key/value pairs (an object field's own mapping), rather than a directive such as @path. */
const isPairs = (value) => isPlainObject(value) && Object.keys(value).every((key) => !key.startsWith('@'))

/** A mapping value as its row shows it: a path as the path, a literal as itself, anything else as JSON. */
function toText(value) {
  if (isEmpty(value)) return ''
  if (isPlainObject(value) && Object.keys(value).length === 1 && typeof value['@path'] === 'string') {
    return value['@path']
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/

/**
 * What a row's text puts in the mapping: a path, JSON given as such, or a literal of the field's type. An empty
 * row maps its field to "", unmapped as a field cleared in Segment's editor is: actions-core drops empty values,
 * and the server does not put the field's default back over it. A value without a type of its own (a key of an
 * object field) takes true, false and numbers as such, since the destination reads `repeat` and amounts so.
 */
function fromText(text, type) {
  const trimmed = text.trim()
  if (trimmed === '') return ''
  if (trimmed === '$' || trimmed.startsWith('$.')) return { '@path': trimmed }
  if (/^[[{]/.test(trimmed)) {
    try {
      return JSON.parse(trimmed)
    } catch {
      // Not JSON after all: taken as the text it is.
    }
  }
  const numeric = type === 'number' || type === 'integer' || type === undefined
  if (numeric && DECIMAL.test(trimmed)) return Number(trimmed)
  const logical = type === 'boolean' || type === undefined
  if (logical && (trimmed === 'true' || trimmed === 'false')) return trimmed === 'true'
  return text
}

function fieldInput(id, value, field) {
  const input = el('input', {
    id,
    value: toText(value),
    placeholder: toText(field.default) || 'a literal or $.path',
    autocomplete: 'off',
    spellcheck: false
  })
  input.setAttribute('list', 'event-paths')
  return input
}

/** An object field mapped key by key: one input per key, as Segment's key/value editor has it. */
function pairInputs(key, pairs, field) {
  return Object.entries(pairs).map(([name, value]) => {
    const input = fieldInput(`field-${key}-${name}`, value, { default: field.default?.[name] })
    input.dataset.pair = name
    return el('div', { className: 'pair' }, el('label', { htmlFor: input.id, textContent: name }), input)
  })
}

function fieldRow(key, field, value) {
  const byPairs = field.type === 'object' && isPairs(value) && Object.keys(value).length > 0
  const inputs = byPairs ? pairInputs(key, value, field) : [fieldInput(`field-${key}`, value, field)]
  const head = el(
    'label',
    { htmlFor: inputs[0].querySelector('input')?.id ?? inputs[0].id, className: 'field-head' },
    el('span', { className: 'field-label', textContent: field.label }),
    field.required ? el('span', { className: 'required', textContent: 'required' }) : '',
    el('code', { className: 'type', textContent: field.type })
  )
  const fallback = isPairs(field.default)
    ? Object.entries(field.default)
        .map(([name, value]) => `${name}: ${toText(value)}`)
        .join(', ')
    : toText(field.default)
  const row = el(
    'div',
    { className: 'field' },
    head,
    el('p', { className: 'hint', textContent: field.description }),
    ...inputs,
    el('p', { className: 'hint default', textContent: fallback ? `Default: ${fallback}` : 'No default' }),
    el('p', { className: 'field-error', hidden: true })
  )
  row.dataset.field = key
  return row
}

/** The mapping JSON as an object, or undefined while it does not parse (which the rows then say). */
function currentMapping() {
  try {
    const mapping = JSON.parse($('mapping').value || '{}')
    if (isPlainObject(mapping)) return mapping
  } catch {
    // Said below.
  }
  return undefined
}

function renderFields() {
  const mapping = currentMapping()
  $('fields-note').hidden = mapping !== undefined
  $('fields-note').textContent = 'The mapping JSON is not a JSON object: fix it there, and the fields follow.'
  if (!mapping) return
  const { fields } = selected()
  const shown = Object.entries(fields).filter(([, field]) => !field.unsafe_hidden)
  $('fields').replaceChildren(...shown.map(([key, field]) => fieldRow(key, field, mapping[key])))
}

/** A row's input, written into the mapping JSON. */
function onFieldInput(event) {
  const input = event.target
  const row = input.closest('.field')
  const mapping = currentMapping()
  if (!row || !mapping) return
  const key = row.dataset.field
  const pair = input.dataset.pair
  const value = fromText(input.value, pair ? undefined : selected().fields[key].type)
  const target = pair ? (mapping[key] = isPairs(mapping[key]) ? mapping[key] : {}) : mapping
  target[pair ?? key] = value
  $('mapping').value = pretty(mapping)
  flag(row, '')
}

function flag(row, message) {
  row.classList.toggle('missing', Boolean(message))
  const error = row.querySelector('.field-error')
  error.textContent = message
  error.hidden = !message
}

/** The required fields the mapping leaves empty. */
function missingRequired({ fields }, mapping) {
  return Object.keys(fields).filter((key) => fields[key].required && isEmpty(mapping[key]))
}

/** Flags each row named in `messages` (field key → message) with its message, and clears every other row's flag. */
function flagRows(messages) {
  for (const row of $('fields').querySelectorAll('.field')) flag(row, messages[row.dataset.field] ?? '')
}

/** Every path the event has (objects and values, not array items), offered by the rows' inputs. */
function pathsOf(value, prefix = '$', paths = []) {
  if (!isPlainObject(value)) return paths
  for (const [key, inner] of Object.entries(value)) {
    if (!/^[\w-]+$/.test(key) || paths.length >= 500) continue
    paths.push(`${prefix}.${key}`)
    pathsOf(inner, `${prefix}.${key}`, paths)
  }
  return paths
}

function showPaths() {
  let event
  try {
    event = JSON.parse($('event').value)
  } catch {
    return
  }
  $('event-paths').replaceChildren(...pathsOf(event).map((path) => el('option', { value: path })))
}

// The Events view shows errors as part of a row it refreshes, which must not be announced as alerts every time.
function errorBox(title, message, retryable, role = 'alert') {
  const box = el(
    'div',
    { className: `error${retryable ? ' retryable' : ''}` },
    el('strong', { textContent: title }),
    message
  )
  if (role) box.setAttribute('role', role)
  return box
}

function statusCell(code, text) {
  return el('span', {
    className: `status ${code >= 200 && code < 300 ? 'ok' : 'bad'}`,
    textContent: `${code} ${text || ''}`.trim()
  })
}

function renderExchange({ request, response }) {
  const url = new URL(request.url)
  const rows = [...url.searchParams].map(([name, value]) =>
    el('tr', {}, el('td', {}, el('code', { textContent: name })), el('td', {}, el('code', { textContent: value })))
  )
  const body = typeof response.body === 'string' ? response.body : pretty(response.body)
  return el(
    'div',
    { className: 'exchange' },
    el(
      'p',
      { className: 'request-line' },
      el('span', { className: 'method', textContent: request.method }),
      ` ${request.url}`
    ),
    el(
      'table',
      { className: 'query' },
      el('thead', {}, el('tr', {}, el('th', { textContent: 'Parameter' }), el('th', { textContent: 'Value' }))),
      el('tbody', {}, ...rows)
    ),
    el('p', {}, 'Answer: ', statusCell(response.statusCode, response.statusMessage), body ? ` ${body}` : '')
  )
}

/**
 * What Segment's runtime does with the event, as the server judged it: delivered, retried (with its policy) or
 * dropped (and where the customer sees it).
 */
function fateBox({ fate, status, reason, segment }) {
  const label = `Fate: ${fate}${status && fate !== 'delivered' ? ` (${status})` : ''}`
  const text = fate === 'delivered' ? segment : `${reason} ${segment}`
  return el('p', { className: `fate ${fate}` }, el('strong', { textContent: label }), ` ${text}`)
}

/** A delivered event's answer has no key for its fate: the server says it in a header. */
const DELIVERED = { fate: 'delivered', segment: 'Segment counts it delivered.' }

const errorTitle = (entry) => (entry.retryable ? `${entry.name}: Segment would retry` : `${entry.name}: not retried`)

/** The server's answer to an action call: each request made and Convertro's answer, and any error. */
function cloudResult(status, body, fateHeader) {
  const out = el('div', { className: 'cloud-result' })
  if (status !== 200) {
    out.append(errorBox(`The server refused the call (${status})`, body.error || pretty(body)))
    return out
  }
  // A failure is a list of one error, as Segment's server answers it, holding the requests made before it.
  const entries = (Array.isArray(body) ? body : body.exchanges).flatMap((entry) =>
    entry.requestError ? [...(entry.exchanges || []), entry] : [entry]
  )
  const exchanges = entries.filter((entry) => !entry.requestError)
  out.append(el('p', { className: 'hint', textContent: `${exchanges.length} request(s) to Convertro.` }))
  for (const entry of entries) {
    out.append(entry.requestError ? errorBox(errorTitle(entry), entry.summary, entry.retryable) : renderExchange(entry))
  }
  if (!Array.isArray(body)) out.append(...perEvent(body.multistatus, body.fates))
  else {
    const failure = entries.find((entry) => entry.requestError)
    if (failure?.fate) out.append(fateBox(failure.fate))
    else if (fateHeader === 'delivered') out.append(fateBox(DELIVERED))
  }
  return out
}

function perEvent(multistatus, fates = []) {
  const rows = multistatus.map((node, index) =>
    el(
      'tr',
      {},
      el('td', { textContent: String(index) }),
      el('td', {}, statusCell(node.status)),
      el('td', {}, fates[index] ? fateBox(fates[index]) : node.errormessage || '')
    )
  )
  return [el('h3', { textContent: 'Per event' }), el('table', { className: 'per-event' }, el('tbody', {}, ...rows))]
}

/** A `$CVO` command as live.js received it: `["trackEvent", {...}]`. */
const commandText = ([name, args]) => `[${JSON.stringify(name)}, ${JSON.stringify(args)}]`

/** What the browser destination did in this page: the commands it pushed, why none, or its error. */
function deviceResult({ commands, error, nothingPushed }) {
  const out = el('div', { className: 'device-result' })
  out.append(el('p', { className: 'hint', textContent: `${commands.length} command(s) pushed to $CVO.` }))
  if (commands.length) {
    const items = commands.map((command) => el('li', {}, el('code', { textContent: commandText(command) })))
    out.append(el('ol', { className: 'commands' }, ...items))
  }
  if (nothingPushed) {
    out.append(el('p', { className: 'nothing' }, el('strong', { textContent: 'Nothing pushed: ' }), nothingPushed))
  }
  if (error) out.append(errorBox(errorTitle(error), error.summary, error.retryable))
  return out
}

/** Each mode's result under its own heading; two side by side (one above the other on a narrow screen). */
function showResults(results) {
  const blocks = results.map(({ mode, node, note }) =>
    el(
      'section',
      { className: `mode-result ${mode}` },
      el('h3', { textContent: MODES[mode].title }),
      note ? el('p', { className: 'hint note', textContent: note }) : '',
      node
    )
  )
  $('result').replaceChildren(results.length > 1 ? el('div', { className: 'side-by-side' }, ...blocks) : blocks[0])
}

async function runCloud(entry, { payload, settings, mapping }) {
  const { status, body, headers } = await getJson(`${entry.action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ payload, settings, mapping })
  })
  return { mode: 'cloud', node: cloudResult(status, body, headers.get('x-event-fate')) }
}

async function runDevice(entry, { payload, settings, mapping }) {
  if (!window.convertroDevice) throw new Error($('device-status').textContent)
  const outcome = await window.convertroDevice.run({ action: entry.action, event: payload, settings, mapping })
  return { mode: 'device', node: deviceResult(outcome), error: outcome.error }
}

const runners = { cloud: runCloud, device: runDevice }

/**
 * The inputs, or the reason they cannot be sent: JSON that does not parse, or, for cloud mode, a required field
 * left empty, in the words actions-core's validation gives the server for it. Device mode has no such check
 * before its actions run: there the destination's own refusal, which pushes nothing, flags the rows.
 */
function readInputs(entry) {
  const payload = parseField('event', 'The event')
  const settings = parseField('settings', 'The settings')
  const mapping = parseField('mapping', 'The mapping')
  const missing = entry.mode === 'cloud' ? missingRequired(entry, mapping) : []
  const messages = missing.map((key) => `The root value is missing the required field '${key}'.`)
  flagRows(Object.fromEntries(missing.map((key, i) => [key, messages[i]])))
  if (missing.length) {
    const words = `The mapped event does not fit the action's fields: ${messages.join(' ')}`
    throw Object.assign(new Error(words), { title: 'Not sent: a required field is empty' })
  }
  return { payload, settings, mapping }
}

/** Device mode's refusal of a run with a required field left empty flags the field's row, in the destination's words. */
function flagRefusal(entry, mapping, results) {
  const refused = entry.mode === 'device' && results.find((result) => result.mode === 'device').error
  if (refused) flagRows(Object.fromEntries(missingRequired(entry, mapping).map((key) => [key, refused.message])))
}

/** The other mode's mapping: the fields both modes have as mapped here, the rest from its own preset or defaults. */
const carriedOver = (mapping, other) => ({
  ...other.mapping,
  ...Object.fromEntries(Object.entries(mapping).filter(([key]) => key in other.fields))
})

/** Sends the event through the chosen mode, or through both, the other mode with the fields both have carried over. */
async function send(both) {
  const buttons = [$('send'), $('send-both')]
  buttons.forEach((button) => (button.disabled = true))
  try {
    const entry = selected()
    const input = readInputs(entry)
    const other = both ? counterpart(entry) : undefined
    const runs = [[entry, input], ...(other ? [[other, { ...input, mapping: carriedOver(input.mapping, other) }]] : [])]
    // Cloud first, on the left.
    runs.sort(([a], [b]) => (a.mode === b.mode ? 0 : a.mode === 'cloud' ? -1 : 1))
    const results = await Promise.all(runs.map(([run, data]) => runners[run.mode](run, data)))
    const theirs = other && results.find((result) => result.mode === other.mode)
    if (theirs)
      theirs.note = 'Fields both modes have are mapped as set here; the others as this mode maps them by default.'
    flagRefusal(entry, input.mapping, results)
    showResults(results)
  } catch (error) {
    $('result').replaceChildren(errorBox(error.title ?? 'Not sent', error.message))
  } finally {
    updateBoth()
  }
  await refreshCollector()
}

/** "Send through both modes" works for an action both destinations have. */
function updateBoth() {
  const entry = state.manifest && $('target').value ? selected() : undefined
  const other = entry && counterpart(entry)
  $('send').disabled = false
  $('send-both').disabled = !other
  $('send-both').title = other ? '' : 'This action exists in one mode only.'
}

/** The body of a GET, or undefined while the server does not answer, which the banner says. */
async function poll(url, banner) {
  try {
    const { body } = await getJson(url)
    $(banner).hidden = true
    return body
  } catch {
    $(banner).hidden = false
    return undefined
  }
}

/** Runs `task` now and again `ms` after each run ends, so a slow server never gets overlapping polls. */
function every(ms, task) {
  const run = async () => {
    try {
      await task()
    } finally {
      setTimeout(() => void run(), ms)
    }
  }
  void run()
}

/**
 * How many rows a list shows: the newest `count`, 50 more with each "Show more", up to `MAX_SHOWN`. The page
 * costs the same to draw whether the server holds a hundred or a million.
 */
const PAGE = 50
const MAX_SHOWN = 1000
const shown = { collector: PAGE, events: PAGE }

/** Says "Showing the newest N of M" under a list, with its "Show more" button while there is more to show. */
function showMore(panel, kind, count, total) {
  const more = $(panel).querySelector('.more')
  more.hidden = total <= count
  const text = `Showing the newest ${count.toLocaleString('en')} of ${total.toLocaleString('en')}.`
  const note = shown[kind] >= MAX_SHOWN ? ` At most ${MAX_SHOWN.toLocaleString('en')} are shown here.` : ''
  const line = more.querySelector('.shown')
  if (line.textContent !== text + note) line.textContent = text + note
  more.querySelector('button').hidden = shown[kind] >= MAX_SHOWN
}

/** One query parameter, kept on one line: the column wraps between parameters, never inside one. */
const param = ([name, value]) => el('code', { className: 'param', textContent: `${name}=${value}` })

function collectorRow(entry) {
  return el(
    'tr',
    {},
    el('td', { textContent: String(entry.id) }),
    el('td', { textContent: new Date(entry.receivedAt).toLocaleTimeString() }),
    el('td', { textContent: `${entry.method} ${entry.kind}` }),
    el('td', { textContent: `${entry.client} / ${entry.site}` }),
    el('td', { className: 'query' }, ...Object.entries(entry.query).map(param)),
    el('td', {}, answerCell(entry))
  )
}

/** The collector's answer, and whether a scenario chose it; a call that got none shows what it got instead. */
function answerCell({ status, scenario }) {
  if (status === 0) return el('span', { className: 'status bad', textContent: scenario || 'no answer' })
  return statusCell(status, scenario ? 'by the scenario' : '')
}

/** What the collector table was last drawn from: it is drawn again only when that changes. */
let collectorShown = ''

async function refreshCollector() {
  let response
  try {
    response = await fetch(`collector/requests?limit=${shown.collector}`)
    $('offline').hidden = true
  } catch {
    $('offline').hidden = false
    return
  }
  const entries = await response.json()
  const total = Number(response.headers.get('x-total-count') ?? entries.length)
  const key = JSON.stringify([total, shown.collector, entries.at(-1)?.id])
  if (key === collectorShown) return
  collectorShown = key
  $('collector').tBodies[0].replaceChildren(...[...entries].reverse().map(collectorRow))
  showMore('collector-panel', 'collector', entries.length, total)
}

// Events from Segment's SDKs, as the Tracking API took them in: newest first, refreshed in place.

/** The rows on screen by event id, with what each was built from, so an unchanged row is never rebuilt. */
const eventRows = new Map()
let shownCounts = ''

const timeOf = (iso) => new Date(iso).toLocaleTimeString()

// The Tracking API takes an event with either id, as a string or a number.
const isId = (value) => (typeof value === 'string' && value !== '') || typeof value === 'number'

function whoOf(event) {
  return isId(event.userId) ? `user ${event.userId}` : `anonymous ${event.anonymousId}`
}

function nameOf(event) {
  const name = event.type === 'track' ? event.event : event.name
  return typeof name === 'string' && name ? name : ''
}

function firstError(entry) {
  return entry.subscriptions.find((s) => s.error)?.error.summary ?? ''
}

/** One line saying what became of the event, for the row's collapsed view. */
function outcomeOf(entry) {
  const matched = entry.subscriptions.filter((s) => s.matched)
  const requests = matched.flatMap((s) => s.requests)
  const answers = requests.map((r) => r.statusCode).join(', ')
  switch (entry.status) {
    case 'queued':
      return 'waiting to be sent'
    case 'processing':
      return 'sending…'
    case 'retrying':
      return `attempt ${entry.attempts} failed, next try at ${timeOf(entry.retryAt)}: ${
        entry.reason ?? firstError(entry)
      }`
    case 'sent':
      return `${matched.map((s) => s.name).join(', ')}: ${requests.length} request(s), answered ${answers}`
    default:
      return entry.reason ?? ''
  }
}

function renderSubscription(subscription) {
  const { name, partnerAction, requests, error } = subscription
  const block = el(
    'div',
    { className: 'subscription' },
    el('h3', {}, `${name} `, el('code', { textContent: partnerAction }))
  )
  for (const { method, url, statusCode, body } of requests) {
    block.append(renderExchange({ request: { method, url }, response: { statusCode, body } }))
  }
  if (error) {
    const title = `${error.name}${error.statusCode ? ` (${error.statusCode})` : ''}: ${
      error.retryable ? 'retryable' : 'not retryable'
    }`
    block.append(errorBox(title, error.summary, error.retryable, null))
  }
  // Events journaled before fates were kept have none.
  if (subscription.fate) block.append(fateBox(subscription.fate))
  return block
}

function renderEvent(entry) {
  const { event } = entry
  const name = nameOf(event)
  const summary = el(
    'summary',
    { className: 'event-line' },
    el('span', { className: `badge ${entry.status}`, textContent: entry.status }),
    el('span', { className: 'when', textContent: timeOf(entry.receivedAt) }),
    el('span', { className: 'call' }, event.type, name ? ' ' : '', name ? el('strong', { textContent: name }) : ''),
    el('code', { className: 'who', textContent: whoOf(event) }),
    el('span', { className: 'outcome', textContent: outcomeOf(entry) })
  )
  const matched = entry.subscriptions.filter((s) => s.matched)
  const facts = [
    `Received ${new Date(entry.receivedAt).toLocaleString()}`,
    `attempts: ${entry.attempts}`,
    entry.status === 'retrying' ? `next try at ${timeOf(entry.retryAt)}` : '',
    `matched: ${matched.length ? matched.map((s) => `${s.name} (${s.partnerAction})`).join(', ') : 'no subscription'}`
  ]
  const body = el(
    'div',
    { className: 'event-body' },
    el('p', { className: 'hint', textContent: facts.filter(Boolean).join(' · ') })
  )
  if (entry.status === 'skipped')
    body.append(el('p', {}, el('strong', { textContent: 'Skipped: ' }), entry.reason ?? ''))
  body.append(...matched.map(renderSubscription))
  body.append(
    el(
      'details',
      { className: 'raw' },
      el('summary', { textContent: 'Event as received (JSON)' }),
      el('pre', { textContent: pretty(event) })
    )
  )
  const row = el('details', { className: 'ingested' }, summary, body)
  row.dataset.id = entry.id
  return row
}

function renderCounts(counts) {
  const names = ['accepted', 'sent', 'skipped', 'failed', 'pending']
  if (counts.duplicates) names.push('duplicates')
  const text = JSON.stringify(names.map((name) => counts[name]))
  if (text === shownCounts) return
  shownCounts = text
  $('event-counts').replaceChildren(
    ...names.map((name) =>
      el('span', { className: `count ${name}` }, el('strong', { textContent: String(counts[name]) }), ` ${name}`)
    )
  )
}

/** A number of events a second, as the backlog line says it: whole numbers, one decimal below ten. */
const perSecond = (rate) => (rate < 10 ? rate.toFixed(1) : Math.round(rate).toLocaleString('en'))

/** A wait in seconds, rounded to what a person reads: "40 s", "12 min", "3 h". */
function duration(seconds) {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`
  return `${Math.round(seconds / 3600)} h`
}

/**
 * How far behind the server is: how many events wait (and since when), how fast they drain and arrive, and when
 * the wait should be over at that pace. Hidden while nothing waits or moves.
 */
function renderBacklog(backlog) {
  const line = $('event-backlog')
  if (!backlog) return
  const { waiting, retrying, oldestReceivedAt, drainPerSecond, acceptPerSecond, drainSeconds } = backlog
  let text = ''
  if (waiting > 0) {
    const retries = retrying > 0 ? ` (${retrying.toLocaleString('en')} waiting for a retry)` : ''
    const since = oldestReceivedAt ? `, the oldest received at ${timeOf(oldestReceivedAt)}` : ''
    const pace = drainSeconds === null ? 'none sent in the last 10 s' : `about ${duration(drainSeconds)} to go`
    text =
      `${waiting.toLocaleString('en')} waiting${retries}${since} · draining ${perSecond(drainPerSecond)}/s, ` +
      `arriving ${perSecond(acceptPerSecond)}/s · ${pace}`
  } else if (drainPerSecond > 0) {
    text = `Nothing waiting · drained ${perSecond(drainPerSecond)}/s over the last 10 s`
  }
  line.hidden = text === ''
  if (line.textContent !== text) line.textContent = text
}

function showEvents(events) {
  const list = $('events')
  const rows = events.map((entry) => {
    // The event itself never changes: what happened to it is all that can.
    const { event: _event, ...outcome } = entry
    const key = JSON.stringify(outcome)
    const shown = eventRows.get(entry.id)
    if (shown?.key === key) return shown.row
    const row = renderEvent(entry)
    if (shown) {
      row.open = shown.row.open
      row.querySelector('.raw').open = shown.row.querySelector('.raw').open
      // In its place, so the rows after it are not moved.
      if (shown.row.parentNode === list) shown.row.replaceWith(row)
    }
    eventRows.set(entry.id, { key, row })
    return row
  })
  // Only new or changed rows are put in; the others stay where they are, opened or not.
  rows.forEach((row, index) => {
    if (list.children[index] !== row) list.insertBefore(row, list.children[index] ?? null)
  })
  while (list.children.length > rows.length) list.lastElementChild.remove()
  const kept = new Set(events.map((entry) => entry.id))
  for (const id of eventRows.keys()) if (!kept.has(id)) eventRows.delete(id)
}

async function refreshEvents() {
  const body = await poll(`ingest/events?limit=${shown.events}`, 'events-offline')
  if (!body) return
  renderCounts(body.counts)
  renderBacklog(body.backlog)
  showEvents(body.events)
  $('events-empty').hidden = body.events.length > 0
  showMore('events-panel', 'events', body.events.length, body.counts.accepted)
}

/** "Show more" under a list: 50 more rows, drawn at once. */
function onShowMore(panel, kind, refresh) {
  $(panel)
    .querySelector('.more button')
    .addEventListener('click', () => {
      shown[kind] = Math.min(MAX_SHOWN, shown[kind] + PAGE)
      void refresh()
    })
}

function showSdkHint() {
  $('sdk-node').textContent = `new Analytics({ writeKey: 'any', host: '${location.origin}' })`
  $('sdk-browser').textContent = `integrations: { 'Segment.io': { apiHost: '${
    location.host
  }/v1', protocol: '${location.protocol.slice(0, -1)}' } }`
}

/**
 * The picker's two groups for one mode: its actions and its presets. Device-mode options say so in their own text
 * too, since a closed picker shows the option without its group.
 */
function pickerGroups(mode, definition) {
  const { prefix } = MODES[mode]
  const name = mode === 'cloud' ? 'Cloud mode (server)' : 'Device mode (analytics.js, in this page)'
  const mark = mode === 'device' ? 'Device · ' : ''
  const option = (value, text) => el('option', { value: `${prefix}${value}`, textContent: `${mark}${text}` })
  const actions = el('optgroup', { label: `${name}: actions` })
  for (const [key, action] of Object.entries(definition.actions)) {
    actions.append(option(`action:${key}`, `${action.title} (${key})`))
  }
  const presets = el('optgroup', { label: `${name}: presets` })
  definition.presets.forEach((preset, index) => {
    presets.append(option(`preset:${index}`, `${preset.name} — ${preset.subscribe}`))
  })
  return [actions, presets]
}

/** Loads the browser destination, bundled by the server, and offers its actions beside the server's. */
function loadDevice() {
  const status = $('device-status')
  const script = el('script', { src: 'device/runner.js' })
  script.addEventListener('load', () => {
    state.device = window.convertroDevice.definition
    const empty = !$('target').value
    $('target').append(...pickerGroups('device', state.device))
    status.textContent = `Device mode runs ${state.device.name}'s browser destination here, with a stand-in for live.js.`
    if (empty) fillSample()
    else updateBoth()
  })
  script.addEventListener('error', () => {
    status.textContent = 'Device mode is not available: the browser destination did not load (see the server log).'
  })
  document.body.append(script)
}

/** The scenario serve started with, when it was given one: offered first, so it can be chosen again. */
const SERVED = 'served'

/** The "Convertro answers…" choices, the one in force selected. */
async function loadAnswers() {
  const [presets, current] = await Promise.all([getJson('collector/scenarios'), getJson('collector/scenario')])
  state.presets = presets.body
  const served = current.body.scenario.rules.length > 0 ? current.body.scenario : undefined
  if (served)
    state.presets = [{ id: SERVED, label: served.name || 'as serve --scenario says', scenario: served }].concat(
      state.presets
    )
  $('answers').replaceChildren(
    ...state.presets.map((preset) => el('option', { value: preset.id, textContent: preset.label }))
  )
}

/** Tells the collector how to answer from its next call on: the default answers as Convertro does. */
async function chooseAnswers() {
  const preset = state.presets.find((candidate) => candidate.id === $('answers').value)
  const { status, body } =
    preset.id === 'default'
      ? await getJson('collector/scenario', { method: 'DELETE' })
      : await getJson('collector/scenario', {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(preset.scenario)
        })
  $('answers-note').textContent =
    status === 200 ? `From its next call on, the collector answers: ${preset.label}.` : body.error
}

async function start() {
  const [manifest, samples] = await Promise.all([getJson('manifest'), getJson('samples')])
  state.manifest = manifest.body
  state.samples = samples.body
  $('collector-domain').textContent = state.samples.collector
  if (definitionOf('cloud')) $('target').append(...pickerGroups('cloud', state.manifest))
  $('settings').value = pretty(state.samples.settings)
  if ($('target').value) fillSample()
  loadDevice()
  await loadAnswers()
  $('answers').addEventListener('change', () => void chooseAnswers())
  $('target').addEventListener('change', fillSample)
  $('reset').addEventListener('click', fillSample)
  $('send').addEventListener('click', () => void send(false))
  $('send-both').addEventListener('click', () => void send(true))
  $('fields').addEventListener('input', onFieldInput)
  $('mapping').addEventListener('input', renderFields)
  $('event').addEventListener('input', showPaths)
  $('clear').addEventListener('click', async () => {
    await fetch('collector/requests', { method: 'DELETE' })
    await refreshCollector()
  })
  onShowMore('collector-panel', 'collector', refreshCollector)
  onShowMore('events-panel', 'events', refreshEvents)
  every(1000, refreshCollector)
  showSdkHint()
  every(1000, refreshEvents)
}

start().catch((error) => {
  document.querySelector('main').prepend(errorBox('The tester could not start', error.message))
})
