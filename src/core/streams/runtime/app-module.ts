/**
 * What `logpipe stream run APP` runs: a module whose default export is a
 * Topology, or a function given a new StreamsBuilder that builds the
 * topology (and may return it), with the app's StreamsConfig in an
 * exported `config` object. Loading it is the command's business; this
 * checks what came back and says clearly what is wrong.
 */
import {StreamsBuilder} from '../dsl/streams-builder.js'
import type {StreamsProperties} from '../streams-config.js'
import {StreamsError} from '../streams-error.js'
import {Topology} from '../topology.js'

export interface StreamsApp {
  topology: Topology
  config: StreamsProperties
}

export function streamsApp(mod: Record<string, unknown>, where: string): StreamsApp {
  const config = mod.config ?? {}
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new StreamsError(`${where}: its exported config must be an object of StreamsConfig keys`)
  const entry = mod.default
  let topology: unknown
  if (entry instanceof Topology) topology = entry
  else if (typeof entry === 'function') {
    const builder = new StreamsBuilder()
    const returned = (entry as (b: StreamsBuilder) => unknown)(builder)
    if (returned instanceof Promise) throw new StreamsError(`${where}: its default export returned a Promise`, {hint: 'build the topology synchronously, as Kafka Streams does'})
    topology = returned instanceof Topology ? returned : builder.build()
  } else {
    throw new StreamsError(`${where} has no default export to run`, {hint: 'export default (builder) => { builder.stream("in")...to("out") }, or export default a Topology'})
  }
  if (!(topology instanceof Topology)) throw new StreamsError(`${where}: its default export returned something that is not a Topology`)
  if ((topology as Topology).nodes.size === 0) throw new StreamsError(`${where} built an empty topology`, {hint: 'add at least one source: builder.stream("topic")'})
  return {topology: topology as Topology, config: config as StreamsProperties}
}
