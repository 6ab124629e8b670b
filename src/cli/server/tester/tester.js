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

function errorBox(title, message, retryable) {
  return el(
    'div',
    { className: `error${retryable ? ' retryable' : ''}`, role: 'alert' },
    el('strong', { textContent: title }),
    message
  )
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
  const entries = Array.isArray(body) ? body : body.exchanges
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

async function refreshCollector() {
  let body
  try {
    body = (await getJson('collector/requests')).body
    $('offline').hidden = true
  } catch {
    $('offline').hidden = false
    return
  }
  const rows = [...body].reverse().map((entry) =>
    el(
      'tr',
      {},
      el('td', { textContent: String(entry.id) }),
      el('td', { textContent: new Date(entry.receivedAt).toLocaleTimeString() }),
      el('td', { textContent: `${entry.method} ${entry.kind}` }),
      el('td', { textContent: `${entry.client} / ${entry.site}` }),
      el(
        'td',
        {},
        el('code', {
          textContent: Object.entries(entry.query)
            .map(([name, value]) => `${name}=${value}`)
            .join('  ·  ')
        })
      ),
      el('td', {}, statusCell(entry.status))
    )
  )
  $('collector').tBodies[0].replaceChildren(...rows)
}

const STATUS_WORDS = {
  queued: 'queued',
  processing: 'processing',
  retrying: 'retrying',
  sent: 'sent',
  skipped: 'skipped',
  failed: 'failed'
}

function describeEvent(event) {
  const name = event.type === 'track' ? `track “${event.event}”` : event.type
  const who = event.userId ? `user ${event.userId}` : `anonymous ${event.anonymousId}`
  return `${name} · ${who}`
}

/** One subscription's part in an event: matched or not, its requests and answers, its error. */
function renderSubscription(subscription) {
  const parts = [
    el(
      'p',
      { className: 'subscription' },
      el('strong', { textContent: subscription.name }),
      ` (${subscription.partnerAction}): ${subscription.matched ? 'matched' : 'did not match'}`
    )
  ]
  for (const request of subscription.requests) {
    parts.push(
      renderExchange({
        request,
        response: { statusCode: request.statusCode, statusMessage: '', body: request.body }
      })
    )
  }
  const { error } = subscription
  if (error) {
    const title = error.retryable ? `${error.name}: retryable` : `${error.name}: not retried`
    parts.push(errorBox(title, error.summary, error.retryable))
  }
  return parts
}

function renderEvent(entry, open) {
  const matched = entry.subscriptions.filter((subscription) => subscription.matched)
  const lines = []
  // A failure's reason is its first error, shown below with its subscription.
  const errors = entry.subscriptions.some((subscription) => subscription.error)
  if (entry.reason && !errors) lines.push(el('p', { className: 'reason', textContent: entry.reason }))
  if (entry.status === 'retrying' && entry.retryAt) {
    const at = new Date(entry.retryAt).toLocaleTimeString()
    lines.push(el('p', { className: 'hint', textContent: `Attempt ${entry.attempts} failed; next try at ${at}.` }))
  }
  for (const subscription of matched) lines.push(...renderSubscription(subscription))
  const unmatched = entry.subscriptions.filter((subscription) => !subscription.matched)
  if (unmatched.length > 0 && matched.length > 0) {
    const names = unmatched.map((subscription) => subscription.name).join(', ')
    lines.push(el('p', { className: 'hint', textContent: `Did not match: ${names}.` }))
  }
  const requests = entry.subscriptions.reduce((sum, subscription) => sum + subscription.requests.length, 0)
  const details = el(
    'details',
    { open },
    el(
      'summary',
      {},
      el('span', { className: `badge ${entry.status}`, textContent: STATUS_WORDS[entry.status] || entry.status }),
      ` ${describeEvent(entry.event)}`,
      el('span', {
        className: 'hint',
        textContent: ` · ${new Date(entry.receivedAt).toLocaleTimeString()} · ${requests} request(s)`
      })
    ),
    ...lines,
    el('details', {}, el('summary', { textContent: 'Event (JSON)' }), el('pre', { textContent: pretty(entry.event) }))
  )
  const row = el('li', { className: 'event' }, details)
  row.dataset.id = entry.id
  return row
}

/** Rows by event id, each with what it was drawn from: a row is drawn again only when its event changed. */
const drawn = new Map()

async function refreshEvents() {
  let body
  try {
    body = (await getJson('ingest/events?limit=200')).body
  } catch {
    return
  }
  const { counts, events } = body
  $('event-counts').textContent =
    `${counts.accepted} accepted · ${counts.sent} sent · ${counts.skipped} skipped · ${counts.failed} failed · ${counts.pending} pending`
  $('events-hint').hidden = events.length > 0
  const rows = events.map((entry) => {
    const signature = JSON.stringify([entry.status, entry.attempts, entry.retryAt, entry.subscriptions])
    const previous = drawn.get(entry.id)
    if (previous && previous.signature === signature) return previous.row
    const open = previous ? previous.row.firstChild.open : false
    const row = renderEvent(entry, open)
    drawn.set(entry.id, { signature, row })
    return row
  })
  const shown = new Set(events.map((entry) => entry.id))
  for (const id of drawn.keys()) if (!shown.has(id)) drawn.delete(id)
  const list = $('events')
  // Rows that did not change stay the same nodes, so what a reader opened stays open.
  if (rows.length !== list.children.length || rows.some((row, index) => list.children[index] !== row)) {
    list.replaceChildren(...rows)
  }
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
  $('hint-node').textContent = `new Analytics({ writeKey: 'any', host: '${location.origin}' })`
  $('hint-browser').textContent = `apiHost: '${location.host}/v1', protocol: '${location.protocol.slice(0, -1)}'`
  await Promise.all([refreshCollector(), refreshEvents()])
  setInterval(() => void Promise.all([refreshCollector(), refreshEvents()]), 1000)
}

start().catch((error) => {
  document.querySelector('main').prepend(errorBox('The tester could not start', error.message))
})
