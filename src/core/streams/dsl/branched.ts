/**
 * Kafka's Branched: what `split().branch(...)` does with a branch. Its
 * name is the suffix after the splitter's name (`<split name><branch
 * name>`, or the branch's position, 1 for the first, 0 for the default);
 * `withFunction` maps the branch and puts the result in the map (unless it
 * returns null), `withConsumer` hands the branch over and leaves it out.
 */
import type {BranchSpec, KStream} from './interfaces.js'

export class Branched<K, V> implements BranchSpec<K, V> {
  private constructor(
    readonly name: string | null,
    readonly chainFunction: ((branch: KStream<K, V>) => KStream<K, V> | null | undefined) | null,
    readonly chainConsumer: ((branch: KStream<K, V>) => void) | null,
  ) {}
  static as<K, V>(name: string): Branched<K, V> {
    return new Branched<K, V>(name, null, null)
  }
  static withFunction<K, V>(chain: (branch: KStream<K, V>) => KStream<K, V> | null | undefined, name: string | null = null): Branched<K, V> {
    return new Branched<K, V>(name, chain, null)
  }
  static withConsumer<K, V>(chain: (branch: KStream<K, V>) => void, name: string | null = null): Branched<K, V> {
    return new Branched<K, V>(name, null, chain)
  }
}
