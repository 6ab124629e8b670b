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
  return { status: response.status, body }
}

function selected() {
  const [kind, key] = $('target').value.split(':')
  if (kind === 'action') return { action: key, mapping: state.samples.defaults[key] }
  const preset = state.manifest.presets[Number(key)]
  return { action: preset.partnerAction, mapping: preset.mapping }
}

function fillSample() {
  const { action, mapping } = selected()
  $('event').value = pretty(state.samples.events[action])
  $('mapping').value = pretty(mapping)
}

function parseField(id, label) {
  try {
    return JSON.parse($(id).value || '{}')
  } catch (error) {
    throw new Error(`${label} is not valid JSON: ${error.message}`)
  }
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

function renderResult(status, body) {
  const out = $('result')
  out.replaceChildren()
  if (status !== 200) {
    out.append(errorBox(`The server refused the call (${status})`, body.error || pretty(body)))
    return
  }
  // A failure is a list of one error, as Segment's server answers it, holding the requests made before it.
  const entries = (Array.isArray(body) ? body : body.exchanges).flatMap((entry) =>
    entry.requestError ? [...(entry.exchanges || []), entry] : [entry]
  )
  const exchanges = entries.filter((entry) => !entry.requestError)
  out.append(el('p', { className: 'hint', textContent: `${exchanges.length} request(s) to Convertro.` }))
  for (const entry of entries) {
    if (entry.requestError) {
      const title = entry.retryable ? `${entry.name}: Segment would retry` : `${entry.name}: not retried`
      out.append(errorBox(title, entry.summary, entry.retryable))
    } else {
      out.append(renderExchange(entry))
    }
  }
  if (!Array.isArray(body)) {
    const rows = body.multistatus.map((node, index) =>
      el(
        'tr',
        {},
        el('td', { textContent: String(index) }),
        el('td', {}, statusCell(node.status)),
        el('td', { textContent: node.errormessage || '' })
      )
    )
    out.append(el('h3', { textContent: 'Per event' }), el('table', {}, el('tbody', {}, ...rows)))
  }
}

async function send() {
  const button = $('send')
  button.disabled = true
  try {
    const payload = parseField('event', 'The event')
    const settings = parseField('settings', 'The settings')
    const mapping = parseField('mapping', 'The mapping')
    const { status, body } = await getJson(`${selected().action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload, settings, mapping })
    })
    renderResult(status, body)
  } catch (error) {
    $('result').replaceChildren(errorBox('Not sent', error.message))
  } finally {
    button.disabled = false
  }
  await refreshCollector()
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
    el('td', {}, statusCell(entry.status))
  )
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

async function start() {
  const [manifest, samples] = await Promise.all([getJson('manifest'), getJson('samples')])
  state.manifest = manifest.body
  state.samples = samples.body
  $('collector-domain').textContent = state.samples.collector
  const actions = el('optgroup', { label: 'Actions' })
  for (const [key, action] of Object.entries(state.manifest.actions)) {
    actions.append(el('option', { value: `action:${key}`, textContent: `${action.title} (${key})` }))
  }
  const presets = el('optgroup', { label: 'Presets' })
  state.manifest.presets.forEach((preset, index) => {
    presets.append(el('option', { value: `preset:${index}`, textContent: `${preset.name} — ${preset.subscribe}` }))
  })
  $('target').append(actions, presets)
  $('settings').value = pretty(state.samples.settings)
  fillSample()
  $('target').addEventListener('change', fillSample)
  $('reset').addEventListener('click', fillSample)
  $('send').addEventListener('click', () => void send())
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
