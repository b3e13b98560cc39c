/**
 * GroupMember, the coordinator-free member (DESIGN.md "Consumer groups"):
 *
 * - a fenced member's commit is refused and does not move the offset: the
 *   member owns a partition, the partition's generation is bumped by a
 *   takeover (a bump of the ownership generation in-process, and a real
 *   stale-lock takeover by another process), and its commit then comes back
 *   'fenced' with the committed offset unchanged, both through GroupMember
 *   and straight through the OffsetStore;
 * - the fenced member's next tick lets go without committing and without
 *   removing the new owner's lock (proper-lockfile's release would rmdir
 *   whatever lock directory is in place);
 * - partitions move between members only after the old owner has committed
 *   what it handed on: the new owner starts at that offset; a clean leave
 *   commits and releases at once;
 * - the start offset without a commit follows auto.offset.reset;
 * - members agree on one assignment strategy: a member asking for another
 *   is refused at join, and members that got in at once both use the
 *   group's (the longest-standing member's), so no partition is orphaned.
 */
import {execa} from 'execa'
import {existsSync, mkdirSync, unlinkSync, utimesSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {describe, expect, onTestFinished, test} from 'vitest'
import {Admin} from '../../../src/core/client/admin.js'
import {Producer} from '../../../src/core/client/producer.js'
import type {TopicPartition} from '../../../src/core/group/assignors.js'
import {LogpipeError} from '../../../src/core/errors.js'
import {GroupAdmin} from '../../../src/core/group/group-admin.js'
import {GroupMember, type PartitionHooks} from '../../../src/core/group/group-member.js'
import {readMembers} from '../../../src/core/group/membership.js'
import {ownershipDir, readGeneration} from '../../../src/core/group/ownership.js'
import {withGroupLock} from '../../../src/core/group/group-files.js'
import {LOCK_NAME, readLeaderInfo} from '../../../src/core/lock/partition-lock.js'
import {writeJsonAtomic} from '../../../src/core/store/atomic-write.js'
import {Store} from '../../../src/core/store/store.js'
import {tempDir} from '../support.js'
import {ManualClock} from '../../helpers/clock.js'

const TAKE_OWNERSHIP = resolve(import.meta.dirname, '..', '..', 'fixtures', 'groups', 'take-ownership.mjs')

const key = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`

/** Hooks that record what the member did; `position` is what a revoke reports as handed on. */
class Recorder implements PartitionHooks {
  readonly assignedAt = new Map<string, number>()
  readonly revokedKeys: string[] = []
  readonly position = new Map<string, number>()

  assigned(tp: TopicPartition, offset: number): void {
    this.assignedAt.set(key(tp), offset)
    this.position.set(key(tp), offset)
  }

  async revoked(tp: TopicPartition): Promise<number | null> {
    this.revokedKeys.push(key(tp))
    const p = this.position.get(key(tp))
    this.position.delete(key(tp))
    return p ?? null
  }

  positions(): Record<string, number> {
    return Object.fromEntries(this.position)
  }
}

async function storeWithTopic(partitions: number, recordsPerPartition = 0): Promise<Store> {
  const store = Store.open(join(tempDir(), 'data'))
  new Admin(store).createTopic('t', {partitions})
  if (recordsPerPartition > 0) {
    const producer = new Producer(store, 't')
    await producer.send(
      Array.from({length: partitions * recordsPerPartition}, (_, i) => ({value: `v${i}`, partition: i % partitions})),
    )
    await producer.close()
  }
  return store
}

function member(store: Store, hooks: PartitionHooks, options: ConstructorParameters<typeof GroupMember>[4] = {}): GroupMember {
  const m = new GroupMember(store, 'g', ['t'], hooks, {sessionTimeoutMs: 60_000, ...options})
  onTestFinished(() => m.leave())
  return m
}

const T0 = {topic: 't', partition: 0}
const T1 = {topic: 't', partition: 1}

describe('fencing', () => {
  test('after the generation is bumped by a takeover, the old owner commit is fenced and the offset does not move', async () => {
    const store = await storeWithTopic(2)
    const hooks = new Recorder()
    const a = member(store, hooks)
    await a.join()
    expect(a.ownedPartitions.map(key).sort()).toEqual(['t/0', 't/1'])
    expect(await a.commit(T0, 5)).toBe('committed')
    const dir = ownershipDir(a.dir, 't', 0)
    const generation = readGeneration(dir)
    expect(generation).toBe(1)

    // A takeover bumps the generation beside the lock, and the new owner commits under it.
    writeJsonAtomic(join(dir, 'generation'), {generation: generation + 1})
    expect(await a.offsets.commit('t', 0, 6, generation + 1, 'new-owner')).toBe('committed')

    expect(await a.commit(T0, 9)).toBe('fenced')
    expect(a.offsets.read('t', 0)).toMatchObject({offset: 6, generation: 2, memberId: 'new-owner'})
    // Straight through the store with its old generation: fenced as well.
    expect(await a.offsets.commit('t', 0, 9, generation, a.memberId)).toBe('fenced')
    expect(a.offsets.read('t', 0)).toMatchObject({offset: 6, memberId: 'new-owner'})
    // The other partition is still ours.
    expect(await a.commit(T1, 3)).toBe('committed')
  })

  test('a takeover while the owner waits for the group lock to commit: the commit is refused, so the new owner never starts below an offset it did not see', async () => {
    const store = await storeWithTopic(1)
    const a = member(store, new Recorder())
    await a.join()
    expect(await a.commit(T0, 5)).toBe('committed')
    const dir = ownershipDir(a.dir, 't', 0)
    let commit: Promise<string> | null = null
    await withGroupLock(a.dir, async () => {
      // A still owns t/0 when it asks (its own check passes), then waits for the lock...
      commit = a.commit(T0, 9)
      // ...while a new owner takes over and reads the committed offset: 5.
      writeJsonAtomic(join(dir, 'generation'), {generation: readGeneration(dir) + 1})
      expect(a.offsets.read('t', 0)?.offset).toBe(5)
    })
    expect(await commit).toBe('fenced')
    expect(a.offsets.read('t', 0)).toMatchObject({offset: 5, generation: 1})
  })

  test('another process takes over the stalled owner lock: the old owner is fenced, lets go without committing, and leaves the new lock alone', async () => {
    const store = await storeWithTopic(2)
    const hooks = new Recorder()
    const notices: string[] = []
    const a = member(store, hooks, {onNotice: (m) => notices.push(m)})
    await a.join()
    expect(await a.commit(T0, 5)).toBe('committed')
    hooks.position.set('t/0', 8) // handed on since, not committed yet

    // A stalled past the stale time: its lock's mtime is old. (Its session
    // timeout is 60 s, so its own lock refresh is 30 s away and it has not
    // noticed anything yet.)
    const dir = ownershipDir(a.dir, 't', 0)
    const past = new Date(Date.now() - 120_000)
    utimesSync(join(dir, LOCK_NAME), past, past)
    const other = execa(process.execPath, [TAKE_OWNERSHIP, a.dir, 't', '0', '6'], {reject: false})
    onTestFinished(() => {
      other.kill('SIGKILL')
    })
    const line = await new Promise<string>((resolveLine, reject) => {
      let out = ''
      other.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('\n')) resolveLine(out)
      })
      void other.then((r) => reject(new Error(`take-ownership ended: ${String(r.stderr)}`)))
    })
    const owner = JSON.parse(line.replace(/^owner /, '')) as {pid: number; memberId: string; generation: number; outcome: string}
    expect(owner).toMatchObject({generation: 2, outcome: 'committed'})

    expect(await a.commit(T0, 8)).toBe('fenced')
    expect(a.offsets.read('t', 0)).toMatchObject({offset: 6, generation: 2, memberId: owner.memberId})

    // The next tick notices the loss: hands the partition back without committing...
    await a.tick()
    expect(hooks.revokedKeys).toContain('t/0')
    expect(notices.join('\n')).toMatch(/lost ownership of t\/0/)
    expect(a.offsets.read('t', 0)).toMatchObject({offset: 6, memberId: owner.memberId})
    // ...and the lock in place is still the new owner's.
    expect(existsSync(join(dir, LOCK_NAME))).toBe(true)
    expect(readLeaderInfo(dir)?.pid).toBe(owner.pid)
    expect(readGeneration(dir)).toBe(2)
    // It cannot take t/0 back while the new owner holds it.
    await a.tick()
    expect(a.ownedPartitions.map(key)).toEqual(['t/1'])
  })
})

describe('hand-over', () => {
  test('a joining member gets partitions only after the owner committed them; it starts at the committed offset', async () => {
    const store = await storeWithTopic(4, 5)
    // Client ids 'a' and 'b' order the member ids, so range gives A t/0-1 and B t/2-3.
    const ha = new Recorder()
    const a = member(store, ha, {clientId: 'a'})
    await a.join()
    expect(a.ownedPartitions.map(key).sort()).toEqual(['t/0', 't/1', 't/2', 't/3'])
    expect([...ha.assignedAt.values()]).toEqual([0, 0, 0, 0])
    for (const p of [0, 1, 2, 3]) ha.position.set(`t/${p}`, p + 1) // handed on, not committed

    const hb = new Recorder()
    const b = member(store, hb, {clientId: 'b'})
    await b.join()
    // A still holds everything: B's join could take nothing.
    expect(b.ownedPartitions).toEqual([])
    await a.tick() // A sees B: lets go of half, committing them
    expect(a.ownedPartitions.map(key).sort()).toEqual(['t/0', 't/1'])
    expect(ha.revokedKeys.sort()).toEqual(['t/2', 't/3'])
    expect(a.offsets.read('t', 2)?.offset).toBe(3)
    expect(a.offsets.read('t', 3)?.offset).toBe(4)
    await b.tick()
    expect(b.ownedPartitions.map(key).sort()).toEqual(['t/2', 't/3'])
    expect(Object.fromEntries(hb.assignedAt)).toEqual({'t/2': 3, 't/3': 4})
    expect(readGeneration(ownershipDir(b.dir, 't', 2))).toBe(2)

    // A clean leave commits and lets go at once: B takes the rest on its next tick.
    ha.position.set('t/0', 5)
    await a.leave()
    expect(readMembers(a.dir).map((m) => m.memberId)).toEqual([b.memberId])
    expect(a.offsets.read('t', 0)?.offset).toBe(5)
    expect(a.offsets.read('t', 1)?.offset).toBe(2)
    await b.tick()
    expect(b.ownedPartitions.map(key).sort()).toEqual(['t/0', 't/1', 't/2', 't/3'])
    expect(hb.assignedAt.get('t/0')).toBe(5)
    expect(hb.assignedAt.get('t/1')).toBe(2)
  })

  test('without a committed offset a member starts at auto.offset.reset: earliest or latest', async () => {
    const store = await storeWithTopic(1, 7)
    const early = new Recorder()
    const e = member(store, early, {autoOffsetReset: 'earliest'})
    await e.join()
    expect(early.assignedAt.get('t/0')).toBe(0)
    await e.leave() // commits 0: the position it had
    const late = new Recorder()
    const l = new GroupMember(store, 'g2', ['t'], late, {autoOffsetReset: 'latest'})
    onTestFinished(() => l.leave())
    await l.join()
    expect(late.assignedAt.get('t/0')).toBe(7)
    // A committed offset beats auto.offset.reset.
    const again = new Recorder()
    const a = member(store, again, {autoOffsetReset: 'latest'})
    await a.join()
    expect(again.assignedAt.get('t/0')).toBe(0)
  })
})

describe('owned means read', () => {
  test('a partition whose start offset cannot be read is let go again, and taken once repaired (it was held and never read)', async () => {
    const store = await storeWithTopic(1)
    const hooks = new Recorder()
    const a = member(store, hooks)
    await a.join()
    expect(a.holdsItsAssignment).toBe(true)
    new Admin(store).alterTopic('t', {partitions: 2})
    const damaged = join(a.dir, 'offsets', 't', '1.json')
    mkdirSync(join(a.dir, 'offsets', 't'), {recursive: true})
    writeFileSync(damaged, '{')
    await expect(a.tick()).rejects.toThrow(/1\.json is damaged/)
    expect(a.ownedPartitions.map(key)).toEqual(['t/0'])
    expect(a.holdsItsAssignment).toBe(false)
    expect(existsSync(join(ownershipDir(a.dir, 't', 1), LOCK_NAME))).toBe(false)
    unlinkSync(damaged)
    await a.tick()
    expect(a.ownedPartitions.map(key).sort()).toEqual(['t/0', 't/1'])
    expect(hooks.assignedAt.get('t/1')).toBe(0)
    expect(a.holdsItsAssignment).toBe(true)
  })

  test('a revoke whose commit fails still lets go, so the partition is not held unread', async () => {
    const store = await storeWithTopic(2)
    const ha = new Recorder()
    const a = member(store, ha, {clientId: 'a'})
    await a.join()
    const b = member(store, new Recorder(), {clientId: 'b'})
    await b.join()
    expect(b.holdsItsAssignment).toBe(false) // t/1 is still a's
    ha.position.set('t/1', 1)
    // The commit of t/1 fails: its offsets file is damaged.
    mkdirSync(join(a.dir, 'offsets', 't'), {recursive: true})
    writeFileSync(join(a.dir, 'offsets', 't', '1.json'), '{')
    await expect(a.tick()).rejects.toThrow(/1\.json is damaged/)
    expect(a.ownedPartitions.map(key)).toEqual(['t/0'])
    expect(existsSync(join(ownershipDir(a.dir, 't', 1), LOCK_NAME))).toBe(false)
  })
})

describe('a partition added while the group runs', () => {
  test('starts at its start even with auto.offset.reset latest: its records were all written after the member joined', async () => {
    const store = await storeWithTopic(1, 3)
    const hooks = new Recorder()
    const a = member(store, hooks, {autoOffsetReset: 'latest'})
    await a.join()
    expect(hooks.assignedAt.get('t/0')).toBe(3)
    new Admin(store).alterTopic('t', {partitions: 2})
    const producer = new Producer(store, 't')
    await producer.send([{value: 'n0', partition: 1}, {value: 'n1', partition: 1}])
    await producer.close()
    await a.tick()
    expect(hooks.assignedAt.get('t/1')).toBe(0)
    // A member joining now sees both partitions at its join: latest, where the group has no offset.
    const late = new Recorder()
    const b = new GroupMember(store, 'g2', ['t'], late, {autoOffsetReset: 'latest', sessionTimeoutMs: 60_000})
    onTestFinished(() => b.leave())
    await b.join()
    expect(late.assignedAt.get('t/1')).toBe(2)
  })
})

describe('assignment strategy', () => {
  test('a member asking for another strategy than the group uses cannot join (exit 1 with a hint)', async () => {
    const store = await storeWithTopic(2)
    const a = member(store, new Recorder(), {strategy: 'range'})
    await a.join()
    const b = member(store, new Recorder(), {strategy: 'sticky'})
    let error: unknown
    try {
      await b.join()
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(LogpipeError)
    expect((error as LogpipeError).exitCode).toBe(1)
    expect((error as LogpipeError).message).toBe("group 'g' assigns partitions with range; this member asked for sticky")
    expect((error as LogpipeError).hint).toMatch(/--assignment range/)
    // It left no member file and took nothing.
    expect(readMembers(a.dir).map((m) => m.memberId)).toEqual([a.memberId])
    expect(b.ownedPartitions).toEqual([])
  })

  test('two members that joined at once with different strategies divide by the group one and leave no partition unowned', async () => {
    const store = await storeWithTopic(4)
    // B is made first (its join time is earlier) but joins second: A's join
    // sees nobody, B's sees itself as the longest-standing member. Both get in.
    const clock = new ManualClock()
    const hb = new Recorder()
    const b = member(store, hb, {strategy: 'roundrobin', clientId: 'b', clock})
    clock.advance(2) // a later join time for A
    const ha = new Recorder()
    const a = member(store, ha, {strategy: 'range', clientId: 'a', clock})
    await a.join()
    await b.join()
    for (let i = 0; i < 3; i++) {
      await a.tick()
      await b.tick()
    }
    // Round robin over (a, b): a gets 0 and 2, b gets 1 and 3. (Range would give a 0 and 1.)
    expect(a.ownedPartitions.map(key).sort()).toEqual(['t/0', 't/2'])
    expect(b.ownedPartitions.map(key).sort()).toEqual(['t/1', 't/3'])
  })
})

describe('time, from the clock it is given', () => {
  test('a member that stops heartbeating is dead once the clock passes its session timeout, and its partitions (their ownership locks stale by the same clock) go to the others', async () => {
    const store = await storeWithTopic(2)
    const clock = new ManualClock()
    const a = member(store, new Recorder(), {clientId: 'a', clock})
    const b = member(store, new Recorder(), {clientId: 'b', clock})
    await a.join()
    await b.join()
    await a.tick() // lets go of b's half
    await b.tick() // takes it
    expect(a.ownedPartitions.map(key)).toEqual(['t/0'])
    expect(b.ownedPartitions.map(key)).toEqual(['t/1'])

    // b stops: no tick, no heartbeat. Within its session timeout it keeps its partition.
    clock.advance(60_000)
    await a.tick()
    expect(a.ownedPartitions.map(key)).toEqual(['t/0'])
    // Past it by more than this test has taken in real time, so the lock's real mtime is stale too.
    clock.advance(5_000)
    await a.tick()
    expect(readMembers(a.dir).map((m) => m.memberId)).toEqual([a.memberId])
    expect(a.ownedPartitions.map(key).sort()).toEqual(['t/0', 't/1'])
  })

  test('group describe judges members by the clock it is given: a member past its session timeout is no member', async () => {
    const store = await storeWithTopic(1)
    const clock = new ManualClock()
    const a = member(store, new Recorder(), {clock, sessionTimeoutMs: 10_000})
    await a.join()
    const admin = new GroupAdmin(store, {clock})
    expect(admin.describeGroup('g').members.map((m) => m.memberId)).toEqual([a.memberId])
    clock.advance(10_001)
    expect(admin.describeGroup('g')).toMatchObject({members: [], state: 'Dead'})
  })

  test('heartbeat() rewrites the member file only once half a tick interval has passed on the clock', async () => {
    const store = await storeWithTopic(1)
    const clock = new ManualClock(1_700_000_000_000)
    const a = member(store, new Recorder(), {clock})
    await a.join()
    const heartbeatAt = () => readMembers(a.dir)[0].heartbeatAt
    expect(heartbeatAt()).toBe(1_700_000_000_000)
    clock.advance(a.tickIntervalMs / 2 - 1)
    a.heartbeat()
    expect(heartbeatAt()).toBe(1_700_000_000_000)
    clock.advance(1)
    a.heartbeat()
    expect(heartbeatAt()).toBe(1_700_000_000_000 + a.tickIntervalMs / 2)
  })
})

describe('a topic deleted and created again under its name', () => {
  test("a member of the old topic cannot commit into the new one, and an offset it committed late is ignored by the new topic's members", async () => {
    const store = await storeWithTopic(1, 5)
    const hooks = new Recorder()
    const a = member(store, hooks)
    await a.join()
    expect(await a.commit(T0, 3)).toBe('committed')
    const oldId = store.readTopic('t').id
    expect(a.offsets.read('t', 0)).toMatchObject({offset: 3, topicId: oldId})

    const admin = new Admin(store)
    admin.deleteTopic('t')
    admin.createTopic('t', {partitions: 1})
    const newId = store.readTopic('t').id
    expect(newId).not.toBe(oldId)
    // Still running on the old topic: refused.
    expect(await a.commit(T0, 5)).toBe('fenced')
    expect(a.offsets.read('t', 0)).toBeNull()

    // Suppose its commit had landed just after the new topic appeared.
    const late = {offset: 1000, generation: 9, memberId: a.memberId, committedAt: new Date().toISOString(), topicId: oldId}
    mkdirSync(join(a.dir, 'offsets', 't'), {recursive: true})
    writeJsonAtomic(join(a.dir, 'offsets', 't', '0.json'), late)
    const notices: string[] = []
    const b = member(store, new Recorder(), {clientId: 'b', onNotice: (m) => notices.push(m)})
    expect(b.startOffset(T0)).toBe(0)
    expect(notices.join('\n')).toMatch(/committed offset 1000 of t\/0 belongs to an earlier topic of that name/)
    expect(new GroupAdmin(store).describeGroup('g').partitions.find((r) => r.partition === 0)?.currentOffset ?? null).toBeNull()
  })
})
