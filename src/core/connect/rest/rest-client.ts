/**
 * Talking to a Connect worker's REST API, as Kafka's users do with curl:
 * the CLI's connect pause|resume|restart|stop|delete|list|status. An
 * error answer becomes ConnectRestError with Kafka's message; nothing
 * listening becomes ConnectWorkerUnreachableError naming the address.
 */
import {ConnectRestError, ConnectWorkerUnreachableError} from '../../errors.js'
import {isPlainObject} from '../api/schema.js'

const TIMEOUT_MS = 30_000

export class ConnectRestClient {
  readonly url: string

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '')
  }

  async request(method: string, path: string, body?: unknown): Promise<{status: number; body: unknown}> {
    let res: Response
    try {
      res = await fetch(this.url + path, {
        method,
        headers: body === undefined ? {} : {'Content-Type': 'application/json'},
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
    } catch (error) {
      const code = ((error as {cause?: {code?: string}}).cause?.code ?? (error as Error).name) || 'unreachable'
      throw new ConnectWorkerUnreachableError(`no Connect worker answers at ${this.url} (${code})`, {
        hint: 'start one (logpipe connect standalone|distributed|run), or name it with --url http://HOST:PORT',
      })
    }
    const text = await res.text()
    let parsed: unknown = null
    if (text !== '') {
      try {
        parsed = JSON.parse(text) as unknown
      } catch {
        throw new ConnectWorkerUnreachableError(`${this.url} answered ${res.status} with a body that is not JSON; is it a Connect worker?`)
      }
    }
    if (res.status >= 400) {
      const message = isPlainObject(parsed) && typeof parsed.message === 'string' ? parsed.message : `HTTP ${res.status}`
      throw new ConnectRestError(res.status, message.split('\n')[0], {hint: message.includes('\n') ? message.split('\n').slice(1).join(' ') : undefined})
    }
    return {status: res.status, body: parsed}
  }
}
