/**
 * Connect's REST resources over a Herder, path by path as Kafka's
 * RootResource, ConnectorsResource and ConnectorPluginsResource answer:
 * the same paths, methods, status codes (201 created, 202 accepted, 204 no
 * content) and bodies. A path that exists with another method is 405, one
 * that does not exist 404, both with Kafka's error body.
 */
import {ConnectConfigError, ConnectConflictError} from '../../errors.js'
import {isPlainObject} from '../api/schema.js'
import type {ConnectorOffsets, Herder} from '../runtime/herder.js'
import type {TargetState} from '../runtime/connector-runner.js'
import {ConnectRestClient} from './rest-client.js'
import {HttpError, type RestHandler, type RestRequest, type RestResponse} from './rest-server.js'

type Route = Partial<Record<string, (req: RestRequest, p: string[]) => Promise<RestResponse> | RestResponse>>

const ok = (body: unknown): RestResponse => ({status: 200, body})
const accepted: RestResponse = {status: 202}
const noContent: RestResponse = {status: 204}

export function connectResources(herder: Herder): RestHandler {
  const leader = (run: (req: RestRequest, p: string[]) => Promise<RestResponse> | RestResponse) => (req: RestRequest, p: string[]) => onLeader(herder, req, () => run(req, p))
  const routes: {pattern: string[]; methods: Route}[] = [
    {pattern: [], methods: {GET: () => ok(herder.info())}},
    {
      pattern: ['connectors'],
      methods: {
        GET: (req) => ok(listConnectors(herder, req.query.getAll('expand'))),
        POST: leader(async (req) => {
          const body = req.body()
          if (!isPlainObject(body)) throw new ConnectConfigError('Request body must be a JSON object with "name" and "config"')
          const name = typeof body.name === 'string' ? body.name.trim() : ''
          const config = stringMap(body.config, 'config')
          checkName(name, config)
          const initial = body.initial_state === undefined || body.initial_state === null ? 'RUNNING' : String(body.initial_state)
          if (!['RUNNING', 'PAUSED', 'STOPPED'].includes(initial)) throw new ConnectConfigError(`Invalid initial state ${initial}; one of RUNNING, PAUSED, STOPPED`)
          const target: TargetState = initial === 'RUNNING' ? 'STARTED' : (initial as TargetState)
          const {info} = await herder.putConnectorConfig(name, config, false, target)
          return {status: 201, body: info, headers: {Location: `/connectors/${encodeURIComponent(name)}`}}
        }),
      },
    },
    {pattern: ['connectors', ':name'], methods: {GET: (_, [n]) => ok(herder.connectorInfo(n)), DELETE: leader(async (_, [n]) => (await herder.deleteConnector(n), noContent))}},
    {
      pattern: ['connectors', ':name', 'config'],
      methods: {
        GET: (_, [n]) => ok(herder.connectorConfig(n)),
        PUT: leader(async (req, [n]) => {
          const config = stringMap(req.body(), 'the body')
          checkName(n, config)
          const {created, info} = await herder.putConnectorConfig(n, config, true)
          const headers: Record<string, string> = created ? {Location: `/connectors/${encodeURIComponent(n)}`} : {}
          return {status: created ? 201 : 200, body: info, headers}
        }),
      },
    },
    {pattern: ['connectors', ':name', 'status'], methods: {GET: (_, [n]) => ok(herder.connectorStatus(n))}},
    {
      pattern: ['connectors', ':name', 'restart'],
      methods: {
        POST: leader(async (req, [n]) => {
          const status = await herder.restartConnector(n, {includeTasks: bool(req.query, 'includeTasks'), onlyFailed: bool(req.query, 'onlyFailed')})
          return status === null ? noContent : {status: 202, body: status}
        }),
      },
    },
    {pattern: ['connectors', ':name', 'pause'], methods: {PUT: async (_, [n]) => (await herder.pauseConnector(n), accepted)}},
    {pattern: ['connectors', ':name', 'resume'], methods: {PUT: async (_, [n]) => (await herder.resumeConnector(n), accepted)}},
    {pattern: ['connectors', ':name', 'stop'], methods: {PUT: leader(async (_, [n]) => (await herder.stopConnector(n), accepted))}},
    {pattern: ['connectors', ':name', 'tasks'], methods: {GET: (_, [n]) => ok(herder.taskConfigs(n))}},
    {pattern: ['connectors', ':name', 'tasks', ':id', 'status'], methods: {GET: (_, [n, id]) => ok(herder.taskStatus(n, taskId(n, id)))}},
    {pattern: ['connectors', ':name', 'tasks', ':id', 'restart'], methods: {POST: leader(async (_, [n, id]) => (await herder.restartTask(n, taskId(n, id)), noContent))}},
    {pattern: ['connectors', ':name', 'topics'], methods: {GET: (_, [n]) => ok({[n]: {topics: herder.connectorTopics(n)}})}},
    {pattern: ['connectors', ':name', 'topics', 'reset'], methods: {PUT: (_, [n]) => (herder.resetConnectorTopics(n), accepted)}},
    {
      pattern: ['connectors', ':name', 'offsets'],
      methods: {
        GET: (_, [n]) => ok(herder.connectorOffsets(n)),
        PATCH: leader(async (req, [n]) => ok({message: await herder.alterConnectorOffsets(n, req.body() as ConnectorOffsets)})),
        DELETE: leader(async (_, [n]) => ok({message: await herder.resetConnectorOffsets(n)})),
      },
    },
    {
      pattern: ['connector-plugins'],
      methods: {GET: () => ok(herder.plugins().map((p) => ({class: p.className, type: p.type, version: p.version})))},
    },
    {
      pattern: ['connector-plugins', ':class', 'config', 'validate'],
      methods: {PUT: async (req, [cls]) => ok(await herder.validate(cls, stringMap(req.body(), 'the body')))},
    },
  ]

  return async (req) => {
    for (const r of routes) {
      const params = match(r.pattern, req.path)
      if (!params) continue
      const handler = r.methods[req.method]
      if (!handler) throw new HttpError(405, 'HTTP 405 Method Not Allowed')
      return handler(req, params)
    }
    throw new HttpError(404, 'HTTP 404 Not Found')
  }
}

/**
 * Kafka's completeOrForwardRequest: what only the leader of a distributed
 * group does (creating, changing, deleting, stopping, restarting, offsets)
 * is forwarded to it, its answer passed on. The first worker asked may
 * forward twice (?forward=true), a forwarded request once more at most
 * (?forward=false); past that, or with no leader known, 409 as Kafka.
 */
async function onLeader(herder: Herder, req: RestRequest, run: () => Promise<RestResponse> | RestResponse): Promise<RestResponse> {
  const target = herder.requestTarget?.()
  if (!target || target.leader) return run()
  const forward = req.query.get('forward')
  if (forward !== null && forward.toLowerCase() !== 'true') throw new ConnectConflictError('Cannot complete request because of a conflicting operation (e.g. worker rebalance)')
  if (target.url === null) throw new ConnectConflictError('Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.')
  const query = new URLSearchParams(req.query)
  query.set('forward', String(forward === null))
  const path = `/${req.path.map((p) => encodeURIComponent(p)).join('/')}?${query.toString()}`
  const body = req.hasBody ? req.body() : undefined
  const answer = await new ConnectRestClient(target.url).exchange(req.method, path, body)
  return {status: answer.status, body: answer.body, headers: answer.location ? {Location: answer.location} : {}}
}

function match(pattern: string[], path: string[]): string[] | null {
  if (pattern.length !== path.length) return null
  const params: string[] = []
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':')) params.push(path[i])
    else if (pattern[i] !== path[i]) return null
  }
  return params
}

function listConnectors(herder: Herder, expand: string[]): unknown {
  const names = herder.connectorNames()
  if (expand.length === 0) return names
  const out: Record<string, Record<string, unknown>> = {}
  for (const n of names) {
    const e: Record<string, unknown> = {}
    if (expand.includes('status')) e.status = herder.connectorStatus(n)
    if (expand.includes('info')) e.info = herder.connectorInfo(n)
    out[n] = e
  }
  return out
}

/** Kafka's checkAndPutConnectorConfigName: the config's name, if any, must be the connector's. */
function checkName(name: string, config: Record<string, string>): void {
  if (config.name !== undefined && config.name !== name) throw new ConnectConfigError(`Connector name configuration (${config.name}) doesn't match connector name in the URL (${name})`)
}

function stringMap(v: unknown, what: string): Record<string, string> {
  if (!isPlainObject(v)) throw new ConnectConfigError(`${what} must be a JSON object of settings`)
  const out: Record<string, string> = {}
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue
    if (typeof x === 'object') throw new ConnectConfigError(`setting ${k}: a string is expected, not ${Array.isArray(x) ? 'an array' : 'an object'}`)
    out[k] = String(x)
  }
  return out
}

function bool(q: URLSearchParams, key: string): boolean {
  const v = q.get(key)
  return v !== null && v.toLowerCase() === 'true'
}

function taskId(name: string, id: string): number {
  if (!/^\d{1,9}$/.test(id)) throw new HttpError(404, `Task ${name}-${id} not found`)
  return Number(id)
}
