/**
 * The nodes and stores of a stream-stream join, named as Kafka's
 * KStreamImplJoin names them and in its order of counter use:
 * `KSTREAM-WINDOWED-n` per side, `KSTREAM-JOINTHIS-n`/`KSTREAM-JOINOTHER-n`
 * (`OUTERTHIS`/`OUTEROTHER` for an outer side), `KSTREAM-MERGE-n`; stores
 * `<join processor>-store`, and `KSTREAM-OUTERSHARED-n-store` for a left
 * or outer join. StreamJoined's name and store name replace them with
 * `<name>-this-windowed`, `<store>-this-join-store` and so on. A side whose
 * key may have changed is repartitioned first (`<name>-left|right`).
 */
import type {Serde} from '../../serdes.js'
import {JoinWindowStoreBuilder, OuterJoinStoreBuilder} from '../../state/join-stores.js'
import type {DslContext, KStream} from '../interfaces.js'
import type {JoinWindows} from '../join-windows.js'
import type {StreamJoined} from '../options.js'
import {joinWindowProcessor, streamStreamJoinProcessor, timeTrackers} from './kstream-kstream-join.js'
import {passThroughProcessor} from './kstream-stateless.js'

interface JoinInput {
  readonly nodeName: string
  readonly keySerde: Serde<any> | null
  readonly valueSerde: Serde<any> | null
  repartitionedForJoin(prefix: string, keySerde: Serde<any> | null, valueSerde: Serde<any> | null): string
}

export function joinStreams(b: DslContext, left: JoinInput, right: JoinInput, joiner: (a: unknown, b: unknown, k: unknown) => unknown, windows: JoinWindows, sj: StreamJoined<any, any, any>, kind: 'inner' | 'left' | 'outer'): KStream<unknown, unknown> {
  const f = joiner.length >= 3 ? joiner : (a: unknown, c: unknown) => (joiner as (a: unknown, b: unknown) => unknown)(a, c)
  const keySerde = sj.keySerde ?? left.keySerde ?? right.keySerde
  const thisParent = left.repartitionedForJoin(sj.name === null ? left.nodeName : `${sj.name}-left`, keySerde, sj.valueSerde)
  const otherParent = right.repartitionedForJoin(sj.name === null ? right.nodeName : `${sj.name}-right`, keySerde, sj.otherValueSerde)
  const leftOuter = kind !== 'inner'
  const rightOuter = kind === 'outer'
  const named = (suffix: string, prefix: string) => (sj.name === null ? b.newProcessorName(prefix) : `${sj.name}${suffix}`)
  const thisWindowed = named('-this-windowed', 'KSTREAM-WINDOWED-')
  const otherWindowed = named('-other-windowed', 'KSTREAM-WINDOWED-')
  const thisPrefix = rightOuter ? 'KSTREAM-OUTERTHIS-' : 'KSTREAM-JOINTHIS-'
  const joinThisGenerated = b.newProcessorName(thisPrefix)
  const joinOtherGenerated = b.newProcessorName(leftOuter ? 'KSTREAM-OUTEROTHER-' : 'KSTREAM-JOINOTHER-')
  const thisSuffix = rightOuter ? '-outer-this-join' : '-this-join'
  const otherSuffix = leftOuter ? '-outer-other-join' : '-other-join'
  const joinThis = sj.name === null ? joinThisGenerated : `${sj.name}${thisSuffix}`
  const joinOther = sj.name === null ? joinOtherGenerated : `${sj.name}${otherSuffix}`
  const merge = named('-merge', 'KSTREAM-MERGE-')

  const thisStore = `${sj.storeName === null ? joinThisGenerated : sj.storeName + thisSuffix}-store`
  const otherStore = `${sj.storeName === null ? joinOtherGenerated : sj.storeName + otherSuffix}-store`
  const outerStore = !leftOuter
    ? null
    : `${sj.storeName === null ? 'KSTREAM-OUTERSHARED-' + joinThisGenerated.slice(thisPrefix.length) : sj.storeName + (rightOuter ? '-outer-shared-join' : '-left-shared-join')}-store`
  const retentionMs = windows.size() + windows.gracePeriodMs()
  const leftSerde = (sj.valueSerde ?? left.valueSerde) as Serde<unknown> | null
  const rightSerde = (sj.otherValueSerde ?? right.valueSerde) as Serde<unknown> | null

  const t = b.topology
  const trackers = timeTrackers()
  t.addProcessor(thisWindowed, joinWindowProcessor(thisStore), thisParent)
  t.addProcessor(otherWindowed, joinWindowProcessor(otherStore), otherParent)
  t.addProcessor(joinThis, streamStreamJoinProcessor({left: true, otherStore, outerStore, outer: leftOuter, windows, joiner: f, trackers}), thisWindowed)
  t.addProcessor(joinOther, streamStreamJoinProcessor({left: false, otherStore: thisStore, outerStore, outer: rightOuter, windows, joiner: f, trackers}), otherWindowed)
  t.addProcessor(merge, passThroughProcessor(), joinThis, joinOther)
  // Persistent, as Kafka's default join stores. Each window-store changelog key carries a sequence number, so even a compacted changelog keeps every duplicate.
  const logged = <S extends {withLoggingEnabled(c: Record<string, string>): unknown; withLoggingDisabled(): unknown}>(s: S) => {
    if (sj.loggingEnabled) s.withLoggingEnabled(sj.logConfig)
    else s.withLoggingDisabled()
    return s
  }
  t.addStateStore(logged(new JoinWindowStoreBuilder(thisStore, retentionMs, keySerde, leftSerde, true)), thisWindowed, joinOther)
  t.addStateStore(logged(new JoinWindowStoreBuilder(otherStore, retentionMs, keySerde, rightSerde, true)), otherWindowed, joinThis)
  if (outerStore !== null) t.addStateStore(logged(new OuterJoinStoreBuilder(outerStore, keySerde, leftSerde, rightSerde, true)), joinThis, joinOther)
  return b.kstream(merge, keySerde, null, false)
}
