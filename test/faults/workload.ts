/**
 * One round's workload, all real CLI processes on one fresh data directory:
 *
 *   plain  (delete policy, no retention, tiny segments: rolls)     a sticky producer,
 *          a producer pinned to a partition, a pinned producer fed slowly on stdin,
 *          two `consume -g G` members committing offsets
 *   ret    (retention.bytes, sometimes retention.ms)               a pinned producer
 *   cmp    (cleanup.policy=compact, tiny segments: compaction)     a keyed producer
 *   churn0, churn1                                                 a loop of topic create /
 *          delete / produce / alter, and a loop of alters of plain, ret and cmp
 *
 * Every producer prints acknowledgements with --json and writes values no
 * other record has, so each acknowledged one can be looked for afterwards.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {Proc, type Role} from './procs.js'

export type Rng = () => number

export const int = (rnd: Rng, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1))
export const pick = <T>(rnd: Rng, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]

/** How the acknowledgements of a producer map to its input records. */
export type AckMapping =
  | {kind: 'pinned'; partition: number} // -p N: the k-th ack is the k-th record
  | {kind: 'sticky'} // unkeyed, no -p: within a partition the k-th ack is the k-th record sent there
  | {kind: 'keyed'} // -K: within a partition (murmur2 of the key) the k-th ack is the k-th record sent there
  | {kind: 'explicit'} // --input json naming each record's partition: likewise

export interface ProducerSpec {
  name: string
  topic: string
  role: Role
  mapping: AckMapping
  /** Input records: value, and key for keyed producers. */
  records: Array<{key: string | null; value: string; partition?: number}>
  /** Fed on stdin in small slices over time instead of from a file. */
  trickle: boolean
  batchBytes: number
}

export interface TopicPlan {
  name: 'plain' | 'ret' | 'cmp'
  partitions: number
  config: Record<string, number | string>
}

export interface RoundPlan {
  round: number
  topics: TopicPlan[]
  producers: ProducerSpec[]
  members: number
}

function value(round: number, producer: string, i: number, rnd: Rng): string {
  // Values of varying length, so batches and segments fill unevenly.
  return `r${round}.${producer}.${String(i).padStart(6, '0')}.${'x'.repeat(int(rnd, 0, 40))}`
}

export function planRound(round: number, rnd: Rng): RoundPlan {
  const seg = () => pick(rnd, [1024, 2048, 4096, 8192])
  const plainSeg = seg()
  const retSeg = seg()
  const retention: Record<string, number> = {'retention.bytes': retSeg * int(rnd, 2, 5)}
  if (rnd() < 0.3) retention['retention.ms'] = int(rnd, 1500, 8000)
  const topics: TopicPlan[] = [
    {name: 'plain', partitions: int(rnd, 1, 3), config: {'segment.bytes': plainSeg}},
    {name: 'ret', partitions: int(rnd, 1, 2), config: {'segment.bytes': retSeg, ...retention}},
    {name: 'cmp', partitions: int(rnd, 1, 2), config: {'segment.bytes': seg(), 'cleanup.policy': 'compact', 'min.compaction.lag.ms': 0}},
  ]
  const parts = (t: string) => topics.find((x) => x.name === t)!.partitions
  const n = () => int(rnd, 1500, 5000)
  const keys = int(rnd, 5, 120)
  const make = (name: string, count: number, keyed: boolean) =>
    Array.from({length: count}, (_, i) => ({key: keyed ? `k${int(rnd, 0, keys - 1)}` : null, value: value(round, name, i, rnd)}))
  const producers: ProducerSpec[] = [
    {name: 'pS', topic: 'plain', role: 'produce', mapping: {kind: 'sticky'}, records: make('pS', n(), false), trickle: false, batchBytes: int(rnd, 300, 1500)},
    {name: 'pP', topic: 'plain', role: 'produce', mapping: {kind: 'pinned', partition: int(rnd, 0, parts('plain') - 1)}, records: make('pP', n(), false), trickle: false, batchBytes: int(rnd, 300, 1500)},
    {name: 'pT', topic: 'plain', role: 'produce', mapping: {kind: 'pinned', partition: int(rnd, 0, parts('plain') - 1)}, records: make('pT', int(rnd, 500, 1500), false), trickle: true, batchBytes: 1000},
    {name: 'rP', topic: 'ret', role: 'retention', mapping: {kind: 'pinned', partition: int(rnd, 0, parts('ret') - 1)}, records: make('rP', n(), false), trickle: false, batchBytes: int(rnd, 300, 1500)},
    {name: 'cK', topic: 'cmp', role: 'compaction', mapping: {kind: 'keyed'}, records: make('cK', n(), true), trickle: false, batchBytes: int(rnd, 300, 1500)},
  ]
  return {round, topics, producers, members: 2}
}

export function configFlags(config: Record<string, number | string>): string[] {
  return Object.entries(config).flatMap(([k, v]) => ['--config', `${k}=${v}`])
}

/** Starts a producer; its input is a file beside the data directory, or stdin fed in slices. */
export function startProducer(base: string, dataDir: string, spec: ProducerSpec, rnd: Rng): {proc: Proc; feeding: Promise<void>} {
  const lines = spec.records.map((r) => (r.key === null ? r.value : `${r.key}:${r.value}`))
  const args = ['produce', spec.topic, '--json', '--batch-bytes', String(spec.batchBytes)]
  if (spec.mapping.kind === 'pinned') args.push('-p', String(spec.mapping.partition))
  if (spec.mapping.kind === 'keyed') args.push('-K', ':')
  if (!spec.trickle) {
    const file = join(base, `${spec.name}.txt`)
    writeFileSync(file, lines.join('\n') + '\n')
    return {proc: new Proc(spec.name, spec.role, [...args, file], dataDir), feeding: Promise.resolve()}
  }
  const proc = new Proc(spec.name, spec.role, args, dataDir, {stdin: 'pipe'})
  const stdin = proc.sub.stdin!
  stdin.on('error', () => {})
  const slice = int(rnd, 20, 80)
  const everyMs = int(rnd, 5, 25)
  const feeding = (async () => {
    for (let i = 0; i < lines.length && proc.alive; i += slice) {
      stdin.write(lines.slice(i, i + slice).join('\n') + '\n')
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
    stdin.end()
  })()
  return {proc, feeding}
}

export function startMember(dataDir: string, i: number): Proc {
  return new Proc(`m${i}`, 'commit', ['consume', 'plain', '-g', 'G', '-F', '%p %o %s\\n'], dataDir)
}

/**
 * Runs commands one after another until `stop()`: each is a process the
 * fault may pick (`current`). `next` chooses the command.
 */
export class Loop {
  current: Proc | null = null
  readonly all: Proc[] = []
  private stopping = false
  readonly done: Promise<void>

  constructor(
    private readonly dataDir: string,
    private readonly next: () => {role: Role; args: string[]; input?: string},
  ) {
    this.done = this.run()
  }

  private async run(): Promise<void> {
    let i = 0
    while (!this.stopping) {
      const {role, args, input} = this.next()
      const p = new Proc(`${args.slice(0, 3).join(' ')}#${i++}`, role, args, this.dataDir, {stdin: input === undefined ? 'ignore' : 'pipe'})
      if (input !== undefined) {
        p.sub.stdin!.on('error', () => {})
        p.sub.stdin!.end(input)
      }
      this.current = p
      this.all.push(p)
      await p.done
      this.current = null
    }
  }

  stop(): Promise<void> {
    this.stopping = true
    return this.done
  }
}

/**
 * Topic create/delete/produce/alter on the churn topics, valid in any state
 * (--if-not-exists, --if-exists). Each topic goes through create, a produce
 * or an alter, delete, in turn, so a create usually makes a topic and a
 * delete usually removes one (the windows a fault aims at).
 */
export function churnCommands(rnd: Rng, round: number): () => {role: Role; args: string[]; input?: string} {
  let n = 0
  const step = new Map<string, number>()
  return () => {
    const t = pick(rnd, ['churn0', 'churn1'])
    const k = step.get(t) ?? 0
    step.set(t, (k + 1) % 3)
    if (k === 0) return {role: 'create', args: ['topic', 'create', t, '--if-not-exists', '--partitions', String(int(rnd, 1, 3)), '--config', `segment.bytes=${pick(rnd, [1024, 4096])}`]}
    if (k === 2) return {role: 'delete', args: ['topic', 'delete', t, '--if-exists']}
    if (rnd() < 0.6) {
      const input = Array.from({length: int(rnd, 50, 400)}, (_, i) => `r${round}.churn.${n}.${i}`).join('\n') + '\n'
      n++
      return {role: 'produce', args: ['produce', t, '--batch-bytes', '400'], input}
    }
    return {role: 'alter', args: ['topic', 'alter', t, '--config', `retention.ms=${int(rnd, 60_000, 600_000)}`]}
  }
}

/** Alters of the checked topics while they are written: segment sizes, retention, a partition added to plain. */
export function alterCommands(rnd: Rng, plan: RoundPlan): () => {role: Role; args: string[]} {
  const plain = plan.topics.find((t) => t.name === 'plain')!
  let plainPartitions = plain.partitions
  return () => {
    const x = rnd()
    if (x < 0.25) return {role: 'alter', args: ['topic', 'alter', 'plain', '--config', `segment.bytes=${pick(rnd, [1024, 2048, 4096, 8192])}`]}
    if (x < 0.5) return {role: 'alter', args: ['topic', 'alter', 'ret', '--config', `retention.bytes=${int(rnd, 2, 6) * 2048}`]}
    if (x < 0.65) return {role: 'alter', args: ['topic', 'alter', 'ret', '--config', `segment.bytes=${pick(rnd, [1024, 2048, 4096])}`]}
    if (x < 0.85) return {role: 'alter', args: ['topic', 'alter', 'cmp', '--config', `segment.bytes=${pick(rnd, [1024, 2048, 4096])}`]}
    if (plainPartitions < 4) {
      plainPartitions++
      return {role: 'alter', args: ['topic', 'alter', 'plain', '--partitions', String(plainPartitions)]}
    }
    return {role: 'alter', args: ['topic', 'alter', 'cmp', '--config', 'min.compaction.lag.ms=0']}
  }
}
