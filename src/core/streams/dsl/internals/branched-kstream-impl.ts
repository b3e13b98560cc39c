/**
 * `KStream.split()` (Kafka's BranchedKStreamImpl and KStreamBranch): the
 * splitter node `KSTREAM-BRANCH-n` (or the Named name) sends each record to
 * the first branch whose predicate it matches, or to the default branch,
 * or drops it; each branch is a pass-through child named `<splitter><name
 * or position>`, which also uses up a counter value, as Kafka's does.
 */
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import {TopologyError} from '../../streams-error.js'
import {Branched} from '../branched.js'
import type {BranchedKStream, BranchSpec, DslContext, KStream, Predicate} from '../interfaces.js'
import {passThroughProcessor} from './kstream-stateless.js'

function branchProcessor(predicates: Array<Predicate<unknown, unknown>>, children: string[]): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext
    return {
      init(c) {
        ctx = c
      },
      process(r) {
        for (let i = 0; i < predicates.length; i++) {
          if (predicates[i](r.key(), r.value())) return ctx.forward(r, children[i])
        }
        if (children.length > predicates.length) ctx.forward(r, children[predicates.length])
      },
    }
  }
}

export class BranchedKStreamImpl<K, V> implements BranchedKStream<K, V> {
  private readonly predicates: Array<Predicate<unknown, unknown>> = []
  private readonly children: string[] = []
  private readonly branches = new Map<string, KStream<K, V>>()
  private readonly splitter: string
  private ended = false

  constructor(private readonly builder: DslContext, private readonly source: KStream<K, V>, private readonly repartitionRequired: boolean, name: string | null) {
    this.splitter = name ?? builder.newProcessorName('KSTREAM-BRANCH-')
    // The lists are shared with the processor: branches added later are seen by every task's splitter.
    builder.topology.addProcessor(this.splitter, branchProcessor(this.predicates, this.children), source.nodeName)
  }

  branch(predicate: Predicate<K, V>, branched: BranchSpec<K, V> = Branched.withFunction<K, V>((s) => s)): BranchedKStream<K, V> {
    if (this.ended) throw new TopologyError('split(): no branch can be added after defaultBranch() or noDefaultBranch()')
    if (typeof predicate !== 'function') throw new TopologyError('branch() needs a predicate (key, value) => boolean')
    this.predicates.push(predicate as Predicate<unknown, unknown>)
    this.createBranch(branched, this.predicates.length)
    return this
  }

  defaultBranch(branched: BranchSpec<K, V> = Branched.withFunction<K, V>((s) => s)): Map<string, KStream<K, V>> {
    this.createBranch(branched, 0)
    this.ended = true
    return this.branches
  }

  noDefaultBranch(): Map<string, KStream<K, V>> {
    this.ended = true
    return this.branches
  }

  private createBranch(branched: BranchSpec<K, V>, index: number): void {
    const name = `${this.splitter}${branched.name ?? String(index)}`
    this.children.push(name)
    this.builder.newProcessorName(name)
    this.builder.topology.addProcessor(name, passThroughProcessor(), this.splitter)
    const branch = this.builder.kstream<K, V>(name, this.source.keySerde, this.source.valueSerde, this.repartitionRequired)
    if (branched.chainFunction) {
      const out = branched.chainFunction(branch)
      if (out !== null && out !== undefined) this.branches.set(name, out)
    } else if (branched.chainConsumer) branched.chainConsumer(branch)
    else this.branches.set(name, branch)
  }
}
