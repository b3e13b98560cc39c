/**
 * The HTTP side of Connect's REST API (Kafka's RestServer with Jersey):
 * node:http, JSON in and out, and Kafka's error body for every failure,
 * {"error_code": STATUS, "message": "..."} — 404 for a connector or path
 * not found, 409 for a conflict (a connector that exists, a worker
 * shutting down), 400 for a bad config or request, 500 for the rest
 * (Kafka answers a body that is not JSON with 500 too). Requests are
 * bounded (1 MiB of body) and nothing of them is trusted.
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {ConnectConflictError, LogpipeError, NotFoundError, UsageError} from '../../errors.js'
import type {RestListener} from './rest-config.js'

const MAX_BODY_BYTES = 1 << 20
const PORT_TRIES = 20

export interface RestRequest {
  method: string
  path: string[]
  query: URLSearchParams
  body: () => unknown
  /** Whether the request had a body at all. */
  hasBody: boolean
}

export interface RestResponse {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

export type RestHandler = (req: RestRequest) => Promise<RestResponse>

/** An HTTP error of the router itself (no such path, wrong method, bad body). */
export class HttpError extends LogpipeError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export class RestServer {
  private server: Server | null = null
  host = ''
  port = 0

  constructor(
    private readonly handler: RestHandler,
    private readonly notice: (m: string) => void,
  ) {}

  /** Listens as `listener` says; the default port moves on to the next free one, a port given does not. */
  async listen(listener: RestListener): Promise<{host: string; port: number}> {
    const tries = listener.explicit || listener.port === 0 ? 1 : PORT_TRIES
    for (let i = 0; i < tries; i++) {
      const candidate = listener.port + i
      const server = createServer((req, res) => void this.serve(req, res))
      const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
        server.once('error', resolve)
        server.listen({host: listener.host, port: candidate, exclusive: true}, () => resolve(null))
      })
      if (error === null) {
        server.on('error', (e) => this.notice(`REST server: ${e.message}`))
        // Kafka's clients keep connections open; a stop must not wait for them.
        server.keepAliveTimeout = 5000
        this.server = server
        const address = server.address()
        this.host = listener.host
        this.port = typeof address === 'object' && address ? address.port : candidate
        return {host: this.host, port: this.port}
      }
      if (error.code !== 'EADDRINUSE' || i === tries - 1) {
        throw new UsageError(`REST server: cannot listen on ${listener.host}:${candidate}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`, {
          hint: 'set listeners=http://127.0.0.1:PORT in the worker file (port 0: any free port)',
        })
      }
    }
    throw new UsageError(`REST server: no free port from ${listener.port}`)
  }

  async close(): Promise<void> {
    const s = this.server
    this.server = null
    if (!s) return
    await new Promise<void>((resolve) => {
      s.close(() => resolve())
      s.closeAllConnections()
    })
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let out: RestResponse
    try {
      const raw = await readBody(req)
      const url = new URL(req.url ?? '/', 'http://x')
      const path = url.pathname.split('/').filter((p) => p !== '')
      let decoded: string[]
      try {
        decoded = path.map((p) => decodeURIComponent(p))
      } catch {
        throw new HttpError(404, 'HTTP 404 Not Found')
      }
      out = await this.handler({
        method: req.method ?? 'GET',
        path: decoded,
        query: url.searchParams,
        body: () => parseJson(raw),
        hasBody: raw.length > 0,
      })
    } catch (error) {
      out = errorResponse(error)
    }
    send(res, out)
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `HTTP 413 Request Entity Too Large: a body of at most ${MAX_BODY_BYTES} bytes is read`))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return null
  try {
    return JSON.parse(raw.toString('utf8')) as unknown
  } catch (error) {
    throw new HttpError(500, (error as Error).message)
  }
}

/** Kafka's ConnectExceptionMapper: the status from the error's kind, the message as is. */
export function errorResponse(error: unknown): RestResponse {
  const status =
    error instanceof HttpError ? error.status : error instanceof NotFoundError ? 404 : error instanceof ConnectConflictError ? 409 : error instanceof UsageError ? 400 : 500
  const message = error instanceof Error ? error.message : String(error)
  return {status, body: {error_code: status, message}}
}

function send(res: ServerResponse, out: RestResponse): void {
  const headers: Record<string, string> = {...(out.headers ?? {})}
  if (out.body === undefined) {
    res.writeHead(out.status, headers)
    res.end()
    return
  }
  const text = JSON.stringify(out.body)
  headers['Content-Type'] = 'application/json'
  headers['Content-Length'] = String(Buffer.byteLength(text))
  res.writeHead(out.status, headers)
  res.end(text)
}
