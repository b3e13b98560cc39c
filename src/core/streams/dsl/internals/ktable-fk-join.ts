/**
 * Foreign-key table-table joins (KIP-213, Kafka's SubscriptionSend,
 * SubscriptionReceive/Join, ForeignTableJoin and ResponseJoin
 * processors). The left table's rows name a row of the right table by a
 * foreign key; the two tables need not be co-partitioned:
 *
 * 1. a left update sends a subscription, keyed by the foreign key, through
 *    `...-SUBSCRIPTION-REGISTRATION-n-topic` to the right table's side
 *    (and an unsubscription to the old foreign key when it changed);
 * 2. there it is kept in the subscription store (foreign key, primary
 *    key) and answered with the right row's current value through
 *    `...-SUBSCRIPTION-RESPONSE-n-topic`, back to the left row's partition;
 *    a right update answers every left row subscribed to it;
 * 3. the answer is joined with the left row as it is then, unless the row
 *    changed since the subscription was sent (its hash differs: a newer
 *    answer is on its way), so a result never mixes a stale left value in.
 *
 * Inner: a missing right row, or a left row whose foreign key is null,
 * gives a delete; left: the joiner gets null for the right value. A left
 * delete deletes the result. Results carry the answered update's timestamp.
 */
import {createHash} from 'node:crypto'
import type {ProcessorContext, ProcessorSupplier} from '../../processor.js'
import type {Serde} from '../../serdes.js'
import type {KeyValueStore} from '../../state/key-value-store.js'
import {StreamsError} from '../../streams-error.js'
import type {Change} from './change.js'
import type {ValueGetter, ValueGetterSupplier} from './ktable-value-getter.js'

/** The serdes of both tables, completed with the app's defaults by the first task that opens an internal topic's serde. */
export interface FkSerdes {
  leftKey: Serde<unknown> | null
  leftValue: Serde<unknown> | null
  rightKey: Serde<unknown> | null
  rightValue: Serde<unknown> | null
}

function need<T>(s: T | null, what: string): T {
  if (s === null) throw new StreamsError(`foreign-key join: the ${what} serde is not set yet`)
  return s
}

function hashOf(serdes: FkSerdes, value: unknown): string | null {
  if (value === null || value === undefined) return null
  const b = need(serdes.leftValue, 'left value').serialize('fk-join', value)
  return b === null ? null : createHash('sha256').update(b).digest('base64url').slice(0, 22)
}

/** The internal topics' values: JSON, with the keys and values inside as base64 bytes of their own serdes. */
export function fkTopicSerde(serdes: FkSerdes): Serde<unknown> & {setIfUnset(k: Serde<unknown>, v: Serde<unknown>): void} {
  return {
    setIfUnset(k, v) {
      serdes.leftKey ??= k
      serdes.rightKey ??= k
      serdes.leftValue ??= v
      serdes.rightValue ??= v
    },
    serialize: (_t, data) => (data === null || data === undefined ? null : Buffer.from(JSON.stringify(data), 'utf8')),
    deserialize(topic, data) {
      if (data === null || data === undefined) return null
      try {
        return JSON.parse(data.toString('utf8'))
      } catch {
        throw new StreamsError(`topic ${topic}: a foreign-key join record that is not JSON`)
      }
    },
  }
}

interface Subscription {
  /** subscribe: answer; unsubscribe: forget; delete: forget and answer with a delete. */
  op: 'subscribe' | 'unsubscribe' | 'delete'
  /** A subscription is answered always (its left row had a result that may need deleting, or a left join), or only when the right row exists. */
  always: boolean
  pk: string
  hash: string | null
  partition: number
}

interface Response {
  hash: string | null
  foreign: string | null
  partition: number
}

const b64 = (b: Buffer | null) => (b === null ? null : b.toString('base64'))
const unb64 = (s: string | null) => (s === null ? null : Buffer.from(s, 'base64'))

/** Step 1, on the left table's changes. */
export function subscriptionSendProcessor(serdes: FkSerdes, extractor: (key: unknown, value: unknown) => unknown, responseTopicSink: string, registrationSink: string, leftJoin: boolean): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext
    return {
      init(c) {
        ctx = c
      },
      process(r) {
        const change = r.value() as Change<unknown>
        const key = r.key()
        if (key === null || key === undefined) return
        const partition = ctx.recordMetadata()?.partition ?? Number(ctx.taskId().split('_')[1] ?? 0)
        const pk = b64(need(serdes.leftKey, 'left key').serialize('fk-join', key))!
        const newFk = change.newValue === null ? null : extractor(key, change.newValue)
        const oldFk = change.oldValue === null ? null : extractor(key, change.oldValue)
        const hash = hashOf(serdes, change.newValue)
        const fkKey = (fk: unknown) => r.withKey(fk)
        const hadFk = oldFk !== null && oldFk !== undefined
        const hasFk = newFk !== null && newFk !== undefined
        const fkChanged = change.oldValue !== null && (hadFk !== hasFk || (hadFk && hasFk && !sameKey(serdes, oldFk, newFk)))
        if (change.newValue === null) {
          // A delete: the old foreign key forgets it and answers with a delete; without one, the result is deleted here.
          if (hadFk) ctx.forward(fkKey(oldFk).withValue({op: 'delete', always: true, pk, hash, partition} satisfies Subscription), registrationSink)
          else ctx.forward(r.withValue({hash: null, foreign: null, partition} satisfies Response), responseTopicSink)
          return
        }
        if (fkChanged && hadFk) ctx.forward(fkKey(oldFk).withValue({op: 'unsubscribe', always: false, pk, hash, partition} satisfies Subscription), registrationSink)
        // No foreign key: nothing to look up; an inner join's result (if any) is deleted, a left join's is the row with null.
        if (!hasFk) {
          if (leftJoin || fkChanged) ctx.forward(r.withValue({hash, foreign: null, partition} satisfies Response), responseTopicSink)
          return
        }
        // A new foreign key after another had given a result: answer even without a right row, so the old result is deleted (Kafka's PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE).
        ctx.forward(fkKey(newFk).withValue({op: 'subscribe', always: leftJoin || fkChanged, pk, hash, partition} satisfies Subscription), registrationSink)
      },
    }
  }
}

function sameKey(serdes: FkSerdes, a: unknown, b: unknown): boolean {
  if (a === b) return true
  const s = need(serdes.rightKey, 'right key')
  return Buffer.compare(s.serialize('fk-join', a) ?? Buffer.alloc(0), s.serialize('fk-join', b) ?? Buffer.alloc(0)) === 0
}

function storeKey(fk: Buffer, pk: string): string {
  return `${fk.toString('hex')}|${pk}`
}

/** Step 2, on the right table's side: keeps the subscription and answers it with the right row. */
export function subscriptionReceiveProcessor(serdes: FkSerdes, storeName: string, right: ValueGetterSupplier): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext
    let store: KeyValueStore<string, string>
    let rightGet: ValueGetter
    return {
      init(c) {
        ctx = c
        store = ctx.getStateStore(storeName)
        rightGet = right.get(ctx)
      },
      process(r) {
        const s = r.value() as Subscription
        const fk = r.key()
        if (s === null || fk === null || fk === undefined) return
        const k = storeKey(need(serdes.rightKey, 'right key').serialize('fk-join', fk)!, s.pk)
        const pkKey = need(serdes.leftKey, 'left key').deserialize('fk-join', unb64(s.pk))
        if (s.op !== 'subscribe') {
          store.delete(k)
          if (s.op === 'delete') ctx.forward(r.withKey(pkKey).withValue({hash: null, foreign: null, partition: s.partition} satisfies Response))
          return
        }
        store.put(k, JSON.stringify({hash: s.hash, partition: s.partition}))
        const v = rightGet(fk)
        if (v === null && !s.always) return
        const foreign = v === null ? null : b64(need(serdes.rightValue, 'right value').serialize('fk-join', v.value))
        ctx.forward(r.withKey(pkKey).withValue({hash: s.hash, foreign, partition: s.partition} satisfies Response).withTimestamp(Math.max(r.timestamp(), v?.timestamp ?? 0)))
      },
    }
  }
}

/** Step 2, on the right table's changes: every subscriber of the key gets the new value. */
export function foreignTableJoinProcessor(serdes: FkSerdes, storeName: string): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext
    let store: KeyValueStore<string, string>
    return {
      init(c) {
        ctx = c
        store = ctx.getStateStore(storeName)
      },
      process(r) {
        const fk = r.key()
        if (fk === null || fk === undefined) return
        const change = r.value() as Change<unknown>
        const prefix = `${need(serdes.rightKey, 'right key').serialize('fk-join', fk)!.toString('hex')}|`
        const foreign = change.newValue === null ? null : b64(need(serdes.rightValue, 'right value').serialize('fk-join', change.newValue))
        for (const e of store.range(prefix, `${prefix}\uffff`)) {
          const sub = JSON.parse(e.value) as {hash: string | null; partition: number}
          const pkKey = need(serdes.leftKey, 'left key').deserialize('fk-join', unb64(e.key.slice(prefix.length)))
          ctx.forward(r.withKey(pkKey).withValue({hash: sub.hash, foreign, partition: sub.partition} satisfies Response))
        }
      },
    }
  }
}

/** Step 3, back on the left table's side: joins the answer with the left row, unless that changed meanwhile. */
export function responseJoinProcessor(serdes: FkSerdes, left: ValueGetterSupplier, joiner: (l: unknown, r: unknown, key: unknown) => unknown, leftJoin: boolean): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext
    let leftGet: ValueGetter
    return {
      init(c) {
        ctx = c
        leftGet = left.get(ctx)
      },
      process(r) {
        const res = r.value() as Response
        const key = r.key()
        if (res === null || key === null || key === undefined) return
        const current = leftGet(key)
        if (res.hash !== hashOf(serdes, current?.value ?? null)) return // the row changed since: a newer answer comes
        const foreign = res.foreign === null ? null : need(serdes.rightValue, 'right value').deserialize('fk-join', unb64(res.foreign))
        const result = current === null || (foreign === null && !leftJoin) ? null : joiner(current.value, foreign, key)
        ctx.forward(r.withValue({newValue: result, oldValue: null} satisfies Change<unknown>))
      },
    }
  }
}

/** The result table: keeps each key's result and forwards it with the one before (a delete too, as Kafka's result node does). */
export function fkResultProcessor(storeName: string): ProcessorSupplier {
  return () => {
    let ctx: ProcessorContext
    let store: KeyValueStore<unknown, unknown>
    return {
      init(c) {
        ctx = c
        store = ctx.getStateStore(storeName)
      },
      process(r) {
        const result = (r.value() as Change<unknown>).newValue
        const old = store.get(r.key())
        store.put(r.key(), result, r.timestamp())
        ctx.forward(r.withValue({newValue: result, oldValue: old} satisfies Change<unknown>))
      },
    }
  }
}

/** The internal topics' partitioner: an answer goes back to the partition its left row is in. */
export function toLeftPartition(_topic: string, _key: unknown, value: unknown): number | undefined {
  return (value as Response | null)?.partition
}
