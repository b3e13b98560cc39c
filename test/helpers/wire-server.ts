/**
 * A minimal Kafka-protocol endpoint for testing the codec against real
 * clients (kcat/librdkafka, kafka-python): frames in through FrameSplitter,
 * headers and bodies decoded by our schemas, answers from the test's
 * handlers encoded by our schemas. Not a broker: no log, no groups; it
 * records each request's key and version so a test can check what the
 * client sent.
 */
import {type AddressInfo, type Server, type Socket, createServer} from 'node:net'
import {decodeRequestBody, encodeResponseFrame} from '../../src/core/wire/envelope.js'
import {FrameSplitter} from '../../src/core/wire/frame.js'
import {decodeRequestHeader} from '../../src/core/wire/header.js'
import {apiVersionsAnswer, isSupported, schemaFor} from '../../src/core/wire/registry.js'

export type Handler = (request: any, version: number) => Record<string, unknown>

export interface WireServer {
  port: number
  /** `Name vN` of every request, in arrival order. */
  seen: string[]
  /** Problems the server met (an unknown API, a decode error): a test expects none. */
  problems: string[]
  close(): Promise<void>
}

/** `apiKeys`, when given, is the ApiVersions answer's list (a server that speaks fewer versions than we do). */
export async function startWireServer(handlers: Record<number, Handler>, options: {apiKeys?: Array<{apiKey: number; minVersion: number; maxVersion: number}>} = {}): Promise<WireServer> {
  const seen: string[] = []
  const problems: string[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    const splitter = new FrameSplitter()
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of splitter.push(chunk)) {
          const decoded = decodeRequestHeader(frame)
          const {apiKey, apiVersion, correlationId} = decoded.header
          const schema = schemaFor(apiKey)
          seen.push(`${schema?.name ?? `key ${apiKey}`} v${apiVersion}`)
          if (apiKey === 18) {
            const answer = apiVersionsAnswer(apiVersion)
            if (options.apiKeys && answer.body.errorCode === 0) answer.body = {...answer.body, apiKeys: options.apiKeys}
            socket.write(Buffer.concat(encodeResponseFrame(schema!, answer.version, correlationId, answer.body)))
            continue
          }
          const handler = handlers[apiKey]
          if (schema === undefined || handler === undefined || !isSupported(apiKey, apiVersion)) {
            problems.push(`no answer for ${seen.at(-1)}`)
            socket.destroy()
            return
          }
          const request = decodeRequestBody(schema, frame, decoded)
          socket.write(Buffer.concat(encodeResponseFrame(schema, apiVersion, correlationId, handler(request, apiVersion))))
        }
      } catch (e) {
        problems.push(String(e))
        socket.destroy()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    problems,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
