/**
 * Talking to a Connect worker's REST API, as Kafka's users do with curl:
 * the CLI's connect pause|resume|restart|stop|delete|list|status. An
 * error answer becomes ConnectRestError with Kafka's message; nothing
 * listening becomes ConnectWorkerUnreachableError naming the address.
 */
import {request as httpRequest} from 'node:http'
import {ConnectRestError, ConnectWorkerUnreachableError} from '../../errors.js'
import {isPlainObject} from '../api/schema.js'

const TIMEOUT_MS = 30_000
const MAX_ANSWER_BYTES = 64 << 20

export class ConnectRestClient {
  readonly url: string

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '')
  }

  async request(method: string, path: string, body?: unknown): Promise<{status: number; body: unknown}> {
    const answer = await this.exchange(method, path, body)
    const {status} = answer
    const parsed = answer.body ?? null
    if (status >= 400) {
      const message = isPlainObject(parsed) && typeof parsed.message === 'string' ? parsed.message : `HTTP ${status}`
      throw new ConnectRestError(status, message.split('\n')[0], {hint: message.includes('\n') ? message.split('\n').slice(1).join(' ') : undefined})
    }
    return {status, body: parsed}
  }

  /** One request and its answer, whatever its status (a worker forwarding to the leader passes the leader's answer on); undefined: no body. */
  async exchange(method: string, path: string, body?: unknown): Promise<{status: number; body: unknown; location: string | undefined}> {
    const res = await this.send(method, path, body === undefined ? undefined : JSON.stringify(body))
    let parsed: unknown = undefined
    if (res.text !== '') {
      try {
        parsed = JSON.parse(res.text) as unknown
      } catch {
        throw new ConnectWorkerUnreachableError(`${this.url} answered ${res.status} with a body that is not JSON; is it a Connect worker?`)
      }
    }
    return {status: res.status, body: parsed, location: res.location}
  }

  /** node:http rather than fetch, which refuses ports such as 6000 and 6667 (the Fetch standard's bad ports). */
  private send(method: string, path: string, payload: string | undefined): Promise<{status: number; text: string; location: string | undefined}> {
    return new Promise((resolve, reject) => {
      const unreachable = (code: string) =>
        new ConnectWorkerUnreachableError(`no Connect worker answers at ${this.url} (${code})`, {
          hint: 'start one (logpipe connect standalone|distributed|run), or name it with --url http://HOST:PORT',
        })
      const req = httpRequest(this.url + path, {method, headers: payload === undefined ? {} : {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload)}, timeout: TIMEOUT_MS}, (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (c: Buffer) => {
          size += c.length
          if (size > MAX_ANSWER_BYTES) {
            req.destroy()
            reject(new ConnectWorkerUnreachableError(`${this.url} answered more than ${MAX_ANSWER_BYTES} bytes; is it a Connect worker?`))
            return
          }
          chunks.push(c)
        })
        res.on('end', () => resolve({status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), location: typeof res.headers.location === 'string' ? res.headers.location : undefined}))
        res.on('error', (e: NodeJS.ErrnoException) => reject(unreachable(e.code ?? e.message)))
      })
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), {code: 'ETIMEDOUT'})))
      req.on('error', (e: NodeJS.ErrnoException) => reject(unreachable(e.code ?? e.message)))
      req.end(payload)
    })
  }
}
