/**
 * The consume loop as a library runs it (Connect and Streams will): into a
 * sink of the caller's own, with the caller's own interrupts, no stdout and
 * no process signals involved.
 *
 * - -e reads to the end; a count stops early; the sink is ended;
 * - following, an interrupt stops the session, which unsubscribes;
 * - with a group, offsets are committed only for what was handed on (the
 *   sink flushed and settled);
 * - with --exec, a record whose command keeps failing goes to the
 *   dead-letter topic with logpipe.error.* headers.
 */
import {join} from 'node:path'
import {describe, expect, onTestFinished, test} from 'vitest'
import {Admin} from '../../../src/core/client/admin.js'
import {Consumer} from '../../../src/core/client/consumer.js'
import {type ConsumeSessionSettings, type OutputSink, runConsumeSession} from '../../../src/core/client/consume-session.js'
import {compileFormat} from '../../../src/core/client/format.js'
import {FormatBuffer} from '../../../src/core/client/format-buffer.js'
import {Producer} from '../../../src/core/client/producer.js'
import {GroupMember, groupDir} from '../../../src/core/group/group-member.js'
import {readMembers} from '../../../src/core/group/membership.js'
import {OffsetStore} from '../../../src/core/group/offset-store.js'
import {Store} from '../../../src/core/store/store.js'
import {tempDir} from '../support.js'

/** A sink that keeps what it is handed, and says which flushes came before what. */
class MemorySink extends FormatBuffer implements OutputSink {
  readonly chunks: Buffer[] = []
  readonly events: string[] = []
  closed = false

  get isFull(): boolean {
    return false
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString()
  }

  async flush(): Promise<void> {
    if (this.pos > 0) this.chunks.push(Buffer.from(this.bytes))
    this.clear()
  }

  async settled(): Promise<void> {
    this.events.push(`settled ${this.text.split('\n').length - 1}`)
  }

  async end(): Promise<void> {
    await this.flush()
    this.events.push('end')
  }
}

async function storeWith(n: number, topic = 't'): Promise<Store> {
  const store = Store.open(join(tempDir(), 'data'))
  new Admin(store).createTopic(topic)
  const producer = new Producer(store, topic)
  await producer.send(Array.from({length: n}, (_, i) => ({key: `k${i}`, value: `v${i}`})))
  await producer.close()
  return store
}

function settings(store: Store, output: OutputSink, more: Partial<ConsumeSessionSettings> = {}): ConsumeSessionSettings {
  const notices: string[] = []
  return {
    store,
    topics: ['t'],
    format: compileFormat('%o %k=%s\\n'),
    output,
    count: Infinity,
    exitAtEnd: true,
    notice: (m) => notices.push(m),
    consumer: more.group ? undefined : new Consumer(store, ['t']),
    ...more,
  }
}

describe('runConsumeSession', () => {
  test('to the end of the log, and to a count; the sink is ended', async () => {
    const store = await storeWith(5)
    const all = new MemorySink()
    await runConsumeSession(settings(store, all))
    expect(all.text).toBe('0 k0=v0\n1 k1=v1\n2 k2=v2\n3 k3=v3\n4 k4=v4\n')
    expect(all.events.at(-1)).toBe('end')
    const two = new MemorySink()
    await runConsumeSession(settings(store, two, {count: 2}))
    expect(two.text).toBe('0 k0=v0\n1 k1=v1\n')
  })

  test('without a consumer or group settings it says which is missing', async () => {
    const store = await storeWith(1)
    await expect(runConsumeSession({...settings(store, new MemorySink()), consumer: undefined})).rejects.toThrow('give it a consumer, or group settings')
  })

  test('following the log, an interrupt of the caller stops it, and it stops listening', async () => {
    const store = await storeWith(3)
    const sink = new MemorySink()
    let stop: (() => void) | null = null
    let unsubscribed = false
    const session = runConsumeSession(
      settings(store, sink, {
        exitAtEnd: false,
        interrupts: (s) => {
          stop = s
          return () => {
            unsubscribed = true
          }
        },
      }),
    )
    // Interrupt once the records are out: the session is then waiting for more.
    const deadline = Date.now() + 10_000
    while (sink.text.split('\n').length <= 3) {
      expect(Date.now(), 'records never came out').toBeLessThan(deadline)
      await new Promise((r) => setImmediate(r))
    }
    expect(stop).not.toBeNull()
    stop!()
    await session
    expect(unsubscribed).toBe(true)
    expect(sink.text).toBe('0 k0=v0\n1 k1=v1\n2 k2=v2\n')
  })

  test('in a group, the committed offset is what was handed on: the sink settled first', async () => {
    const store = await storeWith(4)
    const sink = new MemorySink()
    await runConsumeSession(
      settings(store, sink, {
        group: {group: 'g', sessionTimeoutMs: 10_000, strategy: 'range', autoOffsetReset: 'earliest', startWithoutCommit: null},
      }),
    )
    expect(sink.text).toBe('0 k0=v0\n1 k1=v1\n2 k2=v2\n3 k3=v3\n')
    expect(sink.events).toContain('settled 4')
    expect(new OffsetStore(groupDir(store, 'g')).read('t', 0)).toMatchObject({offset: 4})
  })

  test('in a group with -e, it ends only after reading the partitions another member still held when it joined', async () => {
    const store = await storeWith(4)
    // B sorts after the session's member ('logpipe-consume-...'), so range gives t/0 to the session once it sees both.
    const b = new GroupMember(store, 'g', ['t'], {assigned: () => {}, revoked: async () => 2, positions: () => ({})}, {clientId: 'zzz', sessionTimeoutMs: 60_000})
    onTestFinished(() => b.leave())
    await b.join()
    expect(b.ownedPartitions).toEqual([{topic: 't', partition: 0}])
    const sink = new MemorySink()
    let ended = false
    const session = runConsumeSession(
      settings(store, sink, {group: {group: 'g', sessionTimeoutMs: 10_000, strategy: 'range', autoOffsetReset: 'earliest', startWithoutCommit: null}}),
    ).finally(() => (ended = true))
    // Once the session's member has joined, B sees it and lets go of t/0 (having handed on 0 and 1).
    const deadline = Date.now() + 10_000
    while (readMembers(b.dir).length < 2) {
      expect(ended, 'the session ended before it held its partition').toBe(false)
      expect(Date.now(), 'the session never joined').toBeLessThan(deadline)
      await new Promise((r) => setTimeout(r, 5))
    }
    await b.tick()
    expect(b.ownedPartitions).toEqual([])
    await session
    expect(sink.text).toBe('2 k2=v2\n3 k3=v3\n')
    expect(new OffsetStore(groupDir(store, 'g')).read('t', 0)).toMatchObject({offset: 4})
  })

  test('--exec: a record whose command keeps failing goes to the dead-letter topic with headers saying why', async () => {
    const store = await storeWith(1)
    const notices: string[] = []
    await runConsumeSession(
      settings(store, new MemorySink(), {
        exec: {command: 'echo boom >&2; exit 3', retries: 0, concurrency: 1, deadLetterTopic: 'dlq'},
        notice: (m) => notices.push(m),
      }),
    )
    expect(notices).toContain('created dead-letter topic dlq')
    const consumer = new Consumer(store, ['dlq'])
    const letters = []
    for await (const r of consumer.records({exitAtEnd: true})) letters.push(r)
    consumer.close()
    expect(letters).toHaveLength(1)
    const headers = Object.fromEntries(letters[0].headers.map((h) => [h.key, h.value?.toString()]))
    expect(letters[0].value?.toString()).toBe('v0')
    expect(headers).toMatchObject({
      'logpipe.error.topic': 't',
      'logpipe.error.partition': '0',
      'logpipe.error.offset': '0',
      'logpipe.error.exit.code': '3',
      'logpipe.error.attempts': '1',
      'logpipe.error.stderr': expect.stringContaining('boom'),
    })
  })
})
