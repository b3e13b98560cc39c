/**
 * `Topology.describe()` in Kafka's words, so its `toString()` prints what
 * a Kafka Streams user is used to reading:
 *
 *   Topologies:
 *      Sub-topology: 0
 *       Source: KSTREAM-SOURCE-0000000000 (topics: [input])
 *         --> KSTREAM-MAPVALUES-0000000001
 *       ...
 *
 * Within a sub-topology nodes are listed largest subtree first, then by
 * name, as Kafka's NodeComparator orders them; successors and
 * predecessors too; "none" when there are none.
 */
import type {TopologyNode} from './topology-node.js'

/** What describe needs of a Topology. */
export interface DescribedTopology {
  readonly nodes: ReadonlyMap<string, TopologyNode>
  children(name: string): string[]
  subtopologies(): string[][]
  isGlobal?(members: string[]): boolean
}

export interface NodeDescription {
  name: string
  kind: 'source' | 'processor' | 'sink'
  /** Sources: the topics (or the pattern). */
  topics?: string[]
  topicPattern?: string
  /** Processors: the stores connected. */
  stores?: string[]
  /** Sinks: the topic, or null for a TopicNameExtractor. */
  topic?: string | null
  successors: string[]
  predecessors: string[]
}

export interface SubtopologyDescription {
  id: number
  /** A global store's: it makes no tasks. */
  global?: boolean
  nodes: NodeDescription[]
}

export class TopologyDescription {
  readonly subtopologies: SubtopologyDescription[]

  constructor(subtopologies: SubtopologyDescription[]) {
    this.subtopologies = subtopologies
  }

  toString(): string {
    let s = 'Topologies:\n '
    for (const sub of this.subtopologies) {
      s += `  Sub-topology: ${sub.id}${sub.global ? ' for global store (will not generate tasks)' : ''}\n`
      for (const n of sub.nodes) s += `    ${nodeString(n)}\n`
      s += '\n'
    }
    return s
  }
}

function names(list: string[]): string {
  return list.length === 0 ? 'none' : list.join(', ')
}

function nodeString(n: NodeDescription): string {
  switch (n.kind) {
    case 'source':
      return `Source: ${n.name} (topics: ${n.topicPattern ?? `[${n.topics!.join(', ')}]`})\n      --> ${names(n.successors)}`
    case 'processor':
      return `Processor: ${n.name} (stores: [${n.stores!.join(', ')}])\n      --> ${names(n.successors)}\n      <-- ${names(n.predecessors)}`
    case 'sink':
      return n.topic === null
        ? `Sink: ${n.name} (extractor class: ${n.name}-topic-extractor)\n      <-- ${names(n.predecessors)}`
        : `Sink: ${n.name} (topic: ${n.topic})\n      <-- ${names(n.predecessors)}`
  }
}

export function describeTopology(t: DescribedTopology): TopologyDescription {
  const subs = t.subtopologies().map((members, id): SubtopologyDescription => {
    const inGroup = new Set(members)
    const succ = (name: string) => t.children(name).filter((c) => inGroup.has(c))
    const sizes = new Map<string, number>()
    const size = (name: string): number => {
      let v = sizes.get(name)
      if (v === undefined) {
        v = 1 + succ(name).reduce((sum, c) => sum + size(c), 0)
        sizes.set(name, v)
      }
      return v
    }
    const order = (a: string, b: string) => size(b) - size(a) || (a < b ? -1 : a > b ? 1 : 0)
    const describe = (n: TopologyNode): NodeDescription => {
      const base = {name: n.name, kind: n.kind, successors: succ(n.name).sort(order), predecessors: n.kind === 'source' ? [] : n.parents.filter((p) => inGroup.has(p)).sort(order)}
      if (n.kind === 'source') return n.pattern ? {...base, topicPattern: String(n.pattern.source)} : {...base, topics: [...n.topics]}
      if (n.kind === 'processor') return {...base, stores: [...n.stores]}
      return {...base, topic: typeof n.topic === 'string' ? n.topic : null}
    }
    const global = t.isGlobal?.(members) ?? false
    return {id, ...(global ? {global} : {}), nodes: members.sort(order).map((m) => describe(t.nodes.get(m)!))}
  })
  return new TopologyDescription(subs)
}
