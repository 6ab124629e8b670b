import http from 'node:http'

/** A GET, or a POST of a JSON body, over the given agent: the answer's status and text. */
export function request(agent: http.Agent, url: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers =
      body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
    const req = http.request(url, { method: body === undefined ? 'GET' : 'POST', agent, headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }))
      response.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A GET whose answer must be 200 with JSON. */
export async function getJson<T>(agent: http.Agent, url: string): Promise<T> {
  const { status, text } = await request(agent, url)
  if (status !== 200) throw new Error(`GET ${url}: ${status} ${text}`)
  return JSON.parse(text) as T
}
