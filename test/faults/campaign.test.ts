/**
 * Issue 8's fault campaign (`npm run test:faults`, outside `npm test`): rounds
 * of a concurrent workload of real CLI processes (workload.ts) in which one
 * process doing a chosen kind of work is killed with SIGKILL, or stopped
 * with SIGSTOP past the 10 s lock stale time and then continued
 * (faults.ts). After each round the commands a user runs next (a produce to
 * every partition, a consume -e, a consume -g) run, and then:
 *
 *   - every acknowledged record is in the log at its offset with its value,
 *     or below the log start (retention), or superseded by a later record of
 *     its key (compaction); no offset was acknowledged twice;
 *   - offsets increase in every partition, without gaps where nothing compacts;
 *   - `topic verify` exits 0 for every topic;
 *   - the group's committed offsets never went back and never passed the log
 *     end, and the group skipped nothing (what members printed plus what a
 *     final `consume -g -e` prints covers every offset); a skip is explained
 *     by what each member printed of the partition, the commits seen around
 *     it (sampled with the member that made each) and the segments around it;
 *   - no `.creating-*`, `.deleting-*`, `.tmp`, `.cleaned`, `.replacing` is left;
 *   - kafkajs decodes every segment.
 *
 * A producer that gave up on a lock held by a stopped process (LockError
 * naming it) acknowledged only what it printed, so that is not a loss.
 *
 * Replay: the seed is printed; LOGPIPE_FAULT_SEED=S replays the campaign,
 * LOGPIPE_FAULT_ONLY=7,12 only those rounds (same choices of workload,
 * victim, trigger and moment; process timing is the machine's).
 * LOGPIPE_FAULT_KILL_ROUNDS / LOGPIPE_FAULT_STOP_ROUNDS set the counts.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {expect, test} from 'vitest'
import {Admin} from '../../src/core/client/admin.js'
import {GroupAdmin} from '../../src/core/group/group-admin.js'
import {OffsetStore} from '../../src/core/group/offset-store.js'
import {listSegmentBaseOffsets} from '../../src/core/log/file-names.js'
import {Store} from '../../src/core/store/store.js'
import {assertKafkajsDecodes} from '../helpers/kafkajs.js'
import {library, seededRandom} from '../e2e/support.js'
import {type AckedRecord, type CommitSeen, type PartitionEnds, checkOffsets, explainSkip, findLeftovers, findLosses, pairAcks, parseAcks, parseLog, printedOffsets} from './checks.js'
import {TARGETS, type Target, type Trigger, inject} from './faults.js'
import {type Proc, endsWithin, runOnce} from './procs.js'
import {Loop, type ProducerSpec, type Rng, alterCommands, churnCommands, configFlags, int, planRound, startMember, startProducer} from './workload.js'

const env = process.env
const envInt = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback)
const SEED = env.LOGPIPE_FAULT_SEED ? Number(env.LOGPIPE_FAULT_SEED) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0
const KILL_ROUNDS = envInt('LOGPIPE_FAULT_KILL_ROUNDS', 30)
const STOP_ROUNDS = envInt('LOGPIPE_FAULT_STOP_ROUNDS', 10)
const ONLY = env.LOGPIPE_FAULT_ONLY ? new Set(env.LOGPIPE_FAULT_ONLY.split(',').map(Number)) : null
/** Past the write lock's 10 s stale time and the group's 10 s session timeout, under the 30 s lock wait. */
const STOP_MS: [number, number] = [10_500, 13_000]
const PRODUCER_DEADLINE_MS = 120_000
const MEMBER_DEADLINE_MS = 40_000

/** Independent streams per round and purpose, so a choice in one does not shift the others. */
function stream(round: number, purpose: number): Rng {
  return seededRandom((Math.imul(SEED ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(round + 1, 0x85ebca6b) + Math.imul(purpose + 1, 0xc2b2ae35)) >>> 0)
}

interface RoundKind {
  signal: 'SIGKILL' | 'SIGSTOP'
  target: Target
}

/** The campaign's schedule: kill and stop rounds shuffled, targets taken in turn so each kind is hit. */
function schedule(): RoundKind[] {
  const kinds: RoundKind[] = []
  for (let i = 0; i < KILL_ROUNDS; i++) kinds.push({signal: 'SIGKILL', target: TARGETS[i % TARGETS.length]})
  for (let i = 0; i < STOP_ROUNDS; i++) kinds.push({signal: 'SIGSTOP', target: TARGETS[(i * 3) % TARGETS.length]})
  const rnd = seededRandom(SEED)
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[kinds[i], kinds[j]] = [kinds[j], kinds[i]]
  }
  return kinds
}

interface RoundResult {
  line: string
  checked: number
  lost: string[]
  verifyFailures: string[]
  problems: string[]
  details: string[]
  faulted: boolean
}

const totals = {
  rounds: {SIGKILL: 0, SIGSTOP: 0},
  faultsLanded: {SIGKILL: 0, SIGSTOP: 0},
  byTarget: new Map<string, number>(),
  checked: 0,
  expired: 0,
  compacted: 0,
  lost: 0,
  verifyRuns: 0,
  verifyFailures: 0,
  lockTimeouts: 0,
  otherProblems: 0,
  hangs: 0,
}

/** A whole-campaign deadline per round is far beyond its usual 10-30 s; a hang is reported by the round itself. */
test(`fault campaign: ${KILL_ROUNDS} kill -9 and ${STOP_ROUNDS} SIGSTOP/SIGCONT rounds (seed ${SEED})`, async () => {
  const log = (s: string) => process.stdout.write(s + '\n')
  log(`fault campaign: seed ${SEED} (replay with LOGPIPE_FAULT_SEED=${SEED}), ${KILL_ROUNDS} kill rounds, ${STOP_ROUNDS} stop rounds`)
  const {partitionForKey} = await library()
  const kinds = schedule()
  const failed: string[] = []
  for (let i = 0; i < kinds.length; i++) {
    const round = i + 1
    if (ONLY && !ONLY.has(round)) continue
    const r = await runRound(round, kinds[i], partitionForKey)
    log(`round ${round}/${kinds.length} ${r.line}`)
    for (const l of [...r.lost, ...r.verifyFailures, ...r.problems].slice(0, 12)) log(`    ${l}`)
    for (const l of r.details.slice(0, 12)) log(`    ${l}`)
    if (r.lost.length + r.verifyFailures.length + r.problems.length > 0) failed.push(`round ${round}`)
  }
  const byTarget = [...totals.byTarget].map(([k, v]) => `${k} ${v}`).join(', ')
  log(
    [
      `fault campaign totals (seed ${SEED}):`,
      `  rounds: ${totals.rounds.SIGKILL} kill -9 (${totals.faultsLanded.SIGKILL} landed), ${totals.rounds.SIGSTOP} SIGSTOP/SIGCONT (${totals.faultsLanded.SIGSTOP} landed); by target: ${byTarget}`,
      `  acknowledged records checked: ${totals.checked} (of them legitimately gone: ${totals.expired} below the log start by retention, ${totals.compacted} superseded by compaction)`,
      `  lost records: ${totals.lost}`,
      `  verify failures: ${totals.verifyFailures} of ${totals.verifyRuns} runs`,
      `  producers that gave up on a stopped holder's lock (no loss): ${totals.lockTimeouts}`,
      `  hangs: ${totals.hangs}; other problems: ${totals.otherProblems}`,
      failed.length > 0 ? `  failed: ${failed.join(', ')}` : '  every round clean',
    ].join('\n'),
  )
  expect(totals.lost, 'lost acknowledged records').toBe(0)
  expect(totals.verifyFailures, 'topic verify failures').toBe(0)
  expect(totals.hangs, 'hangs').toBe(0)
  expect(failed, 'rounds with problems').toEqual([])
}, 3 * 3600_000)

async function runRound(round: number, kind: RoundKind, partitionForKey: (key: Uint8Array, partitions: number) => number): Promise<RoundResult> {
  const base = mkdtempSync(join(tmpdir(), 'logpipe-faults-'))
  const dataDir = join(base, 'data')
  const plan = planRound(round, stream(round, 0))
  const faultRnd = stream(round, 1)
  const trigger: Trigger = faultRnd() < 0.5 ? 'time' : 'event'
  const stopMs = int(faultRnd, ...STOP_MS)
  const problems: string[] = []
  /** Lines that explain a problem (not problems themselves). */
  const details: string[] = []
  totals.rounds[kind.signal]++
  const t0 = Date.now()

  const creates = await Promise.all(plan.topics.map((t) => runOnce(dataDir, ['topic', 'create', t.name, '--partitions', String(t.partitions), ...configFlags(t.config)])))
  creates.forEach((c, i) => {
    if (c.exitCode !== 0) throw new Error(`setup: topic create ${plan.topics[i].name}: ${c.stderr}`)
  })

  // The workload.
  const t1 = Date.now()
  const feedRnd = stream(round, 2)
  const started = plan.producers.map((spec) => ({spec, ...startProducer(base, dataDir, spec, feedRnd)}))
  const members = Array.from({length: plan.members}, (_, i) => startMember(dataDir, i))
  const churn = new Loop(dataDir, churnCommands(stream(round, 3), round))
  const alters = new Loop(dataDir, alterCommands(stream(round, 4), plan))
  const everyone = (): Proc[] => [...started.map((s) => s.proc), ...members, ...(churn.current ? [churn.current] : []), ...(alters.current ? [alters.current] : [])]

  // Committed offsets as the group shows them, sampled while it works.
  const store = Store.open(dataDir)
  const admin = new GroupAdmin(store)
  const committedSeen = new Map<string, number>()
  const sample = (where: string, partitions: Array<{topic: string; partition: number; currentOffset: number | null}>) => {
    for (const p of partitions) {
      if (p.currentOffset === null) continue
      const k = `${p.topic}/${p.partition}`
      const before = committedSeen.get(k)
      if (before !== undefined && p.currentOffset < before) problems.push(`group G ${k}: committed offset went back from ${before} to ${p.currentOffset} (${where})`)
      committedSeen.set(k, Math.max(before ?? -1, p.currentOffset))
    }
  }
  // Every change of a committed offset seen, and who made it (member id -> process name, from the member files' pids).
  const commitsSeen = new Map<string, CommitSeen[]>()
  const memberNames = new Map<string, string>()
  const offsetStore = new OffsetStore(join(dataDir, 'groups', 'G'))
  const sampleCommits = () => {
    for (const [topic, partitions] of offsetStore.readAll()) {
      for (const [p, c] of partitions) {
        const k = `${topic}/${p}`
        const list = commitsSeen.get(k) ?? []
        commitsSeen.set(k, list)
        const by = c.memberId === null ? 'reset' : (memberNames.get(c.memberId) ?? c.memberId.slice(-6))
        const last = list.at(-1)
        if (!last || last.offset !== c.offset || last.generation !== c.generation || last.by !== by) list.push({offset: c.offset, generation: c.generation, by})
      }
    }
  }
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      try {
        const d = admin.describeGroup('G')
        for (const m of d.members) {
          const proc = members.find((x) => x.pid === m.pid)
          if (proc) memberNames.set(m.memberId, proc.name)
        }
        sample('while running', d.partitions)
        sampleCommits()
      } catch {
        // No group yet, or a file being replaced: the next sample sees it.
      }
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
  })()

  const fault = await inject(dataDir, {procs: everyone}, kind.target, trigger, kind.signal, faultRnd, stopMs)
  if (fault.victim) {
    totals.faultsLanded[kind.signal]++
    totals.byTarget.set(kind.target, (totals.byTarget.get(kind.target) ?? 0) + 1)
  }

  // Let the workload finish, then stop what runs forever.
  let hung = false
  for (const s of started) {
    if (!(await endsWithin(s.proc, PRODUCER_DEADLINE_MS))) {
      problems.push(`hang: ${s.proc.name} (pid ${s.proc.pid}) still running after ${PRODUCER_DEADLINE_MS} ms`)
      hung = true
      s.proc.kill()
      await s.proc.done
    }
    await s.feeding
  }
  for (const loop of [churn, alters]) {
    const stopping = loop.stop()
    const current = loop.current
    if (current && !(await endsWithin(current, PRODUCER_DEADLINE_MS))) {
      problems.push(`hang: ${current.name} (pid ${current.pid}) still running`)
      hung = true
      current.kill()
    }
    await stopping
  }
  for (const m of members) if (m.alive) m.sub.kill('SIGTERM')
  for (const m of members) {
    if (!(await endsWithin(m, MEMBER_DEADLINE_MS))) {
      problems.push(`hang: member ${m.name} (pid ${m.pid}) did not stop on SIGTERM within ${MEMBER_DEADLINE_MS} ms`)
      hung = true
      m.kill()
      await m.done
    }
  }
  sampling = false
  await sampler
  if (hung) totals.hangs++

  // How every process ended: the victim as it was made to, the others cleanly or for a reason that loses nothing.
  const notes: string[] = []
  const all = [...started.map((s) => s.proc), ...members, ...churn.all, ...alters.all]
  for (const p of all) {
    if (p === fault.victim && p.fault?.signal === 'SIGKILL') continue
    if (p.exitCode === 0 || p.signal === 'SIGTERM') continue
    const err = p.stderr
    if (/is locked by pid \d+/.test(err) && /stopped \(SIGSTOP\)/.test(err)) {
      totals.lockTimeouts++
      notes.push(`${p.name} gave up on the stopped holder's lock`)
    } else if (p.exitCode === 3 && p.role !== 'compaction' && p.role !== 'retention' && !started.some((s) => s.proc === p)) {
      // A churn command on a topic the other loop just deleted: not found.
    } else if (/was deleted while producing/.test(err) && !started.some((s) => s.proc === p)) {
      // A churn producer whose topic was deleted under it.
    } else {
      problems.push(`unexpected end: ${p.describe()}`)
    }
  }

  // The next commands, as a user runs them: a produce to every partition of every topic, then the reads.
  const t2 = Date.now()
  const topics = store.listTopics()
  const partitionsOf = new Map<string, number>()
  for (const t of topics) {
    try {
      partitionsOf.set(t, store.readTopic(t).partitions)
    } catch (error) {
      problems.push(`topic ${t}: ${(error as Error).message}`)
    }
  }
  const nextSpecs: ProducerSpec[] = [...partitionsOf].map(([t, n]) => ({
    name: `next-${t}`,
    topic: t,
    role: 'produce',
    mapping: {kind: 'explicit'},
    records: Array.from({length: n * 2}, (_, i) => ({key: t === 'cmp' ? `k${i}` : null, value: `r${round}.next-${t}.${String(i).padStart(6, '0')}`, partition: i % n})),
    trickle: false,
    batchBytes: 1000,
  }))
  const nextRuns = await Promise.all(
    nextSpecs.map((s) =>
      runOnce(
        dataDir,
        ['produce', s.topic, '--input', 'json', '--json'],
        s.records.map((r) => JSON.stringify({key: r.key, value: r.value, partition: r.partition})).join('\n') + '\n',
      ),
    ),
  )
  nextRuns.forEach((p, i) => {
    if (p.exitCode !== 0) problems.push(`next produce to ${nextSpecs[i].topic}: ${p.describe()}`)
  })
  const [consumed, groupFinal] = await Promise.all([
    runOnce(dataDir, ['consume', 'plain', 'ret', 'cmp', '-e', '-F', '%t %p %o %k %s\\n']),
    runOnce(dataDir, ['consume', 'plain', '-g', 'G', '-e', '-F', '%p %o %s\\n']),
  ])
  if (consumed.exitCode !== 0 || consumed.stderr !== '') problems.push(`consume -e: ${consumed.describe()} ${consumed.stderr.slice(0, 200)}`)
  if (groupFinal.exitCode !== 0) problems.push(`consume -g G -e: ${groupFinal.describe()}`)
  const logView = parseLog(consumed.stdout)
  const [described, ...verifies] = await Promise.all([
    runOnce(dataDir, ['group', 'describe', 'G', '--json']),
    ...topics.map(async (t) => {
      // A topic.json temp left by a killed alter is the next alter's to remove; this one changes nothing (0 is the default).
      if (findLeftovers(join(dataDir, 'topics', t)).some((x) => x.startsWith('.topic.json.'))) {
        await runOnce(dataDir, ['topic', 'alter', t, '--config', 'min.compaction.lag.ms=0'])
      }
      return runOnce(dataDir, ['topic', 'verify', t])
    }),
  ])
  // Where each partition starts and ends now that nothing writes (the library's view, as `topic describe --json` prints it).
  const ends = new Map<string, PartitionEnds[]>()
  const describer = new Admin(store)
  for (const t of ['plain', 'ret', 'cmp']) {
    try {
      ends.set(t, describer.describeTopic(t).partitions)
    } catch (error) {
      problems.push(`describe ${t}: ${(error as Error).message}`)
    }
  }

  // Acknowledged records.
  const toKeyPartition = (partitions: number) => (key: string) => partitionForKey(Buffer.from(key), partitions)
  const ackedBy = new Map<string, Array<{producer: string; prefix: string; records: AckedRecord[]}>>()
  const addAcks = (spec: ProducerSpec, proc: Proc) => {
    const acks = parseAcks(proc.wholeLines(), spec.topic, problems, spec.name)
    const n = ends.get(spec.topic)?.length ?? partitionsOf.get(spec.topic) ?? 1
    const records = pairAcks(spec, acks, toKeyPartition(n))
    const list = ackedBy.get(spec.topic) ?? []
    ackedBy.set(spec.topic, list)
    list.push({producer: spec.name, prefix: `r${round}.${spec.name}.`, records})
  }
  for (const s of started) addAcks(s.spec, s.proc)
  nextSpecs.forEach((s, i) => ['plain', 'ret', 'cmp'].includes(s.topic) && addAcks(s, nextRuns[i]))

  let checked = 0
  const lost: string[] = []
  const policies = {plain: 'delete', ret: 'retention', cmp: 'compact'} as const
  for (const t of ['plain', 'ret', 'cmp'] as const) {
    const e = ends.get(t)
    if (!e) continue
    const loss = findLosses(t, policies[t], ackedBy.get(t) ?? [], logView.get(t), e)
    checked += loss.checked
    totals.expired += loss.expired
    totals.compacted += loss.compacted
    lost.push(...loss.lost)
    problems.push(...checkOffsets(t, t === 'cmp', logView.get(t), e))
  }

  // The group: committed offsets never back, never past the log end; nothing skipped.
  if (described.exitCode !== 0) problems.push(`group describe: ${described.describe()}`)
  else {
    const d = JSON.parse(described.stdout) as {partitions: Array<{topic: string; partition: number; currentOffset: number | null; logEndOffset: number}>}
    sample('after the next commands', d.partitions)
  }
  const plainEnds = ends.get('plain') ?? []
  for (const [k, offset] of committedSeen) {
    const [topic, p] = k.split('/')
    const end = topic === 'plain' ? plainEnds[Number(p)]?.logEndOffset : undefined
    if (end !== undefined && offset > end) problems.push(`group G ${k}: committed ${offset}, past the log end ${end}`)
  }
  try {
    sampleCommits()
  } catch {
    // A damaged offsets file is reported by the group's own checks.
  }
  const delivered = new Set<string>()
  const printed = [...members, groupFinal].map((m) => {
    const lines = m.wholeLines()
    for (const line of lines) {
      const [p, o] = line.split(' ')
      delivered.add(`${p} ${o}`)
    }
    return {name: m === groupFinal ? 'final' : m.name, offsets: printedOffsets(lines)}
  })
  plainEnds.forEach((e, p) => {
    let skipped = 0
    let first = -1
    for (let o = e.logStartOffset; o < e.logEndOffset; o++) {
      if (!delivered.has(`${p} ${o}`)) {
        skipped++
        if (first < 0) first = o
      }
    }
    if (skipped === 0) return
    problems.push(`group G plain/${p}: ${skipped} offsets never delivered to any member (first ${first})`)
    // What the campaign knows, so the next failure is explained.
    let segments: number[] = []
    try {
      segments = listSegmentBaseOffsets(join(dataDir, 'topics', 'plain', String(p)))
    } catch {}
    details.push(...explainSkip('plain', p, first, printed, commitsSeen.get(`plain/${p}`) ?? [], segments))
  })

  const verifyFailures: string[] = []
  verifies.forEach((v, i) => {
    totals.verifyRuns++
    if (v.exitCode !== 0) verifyFailures.push(`topic verify ${topics[i]}: exit ${v.exitCode}: ${(v.stdout + v.stderr).trim().split('\n').slice(0, 4).join(' | ')}`)
  })
  for (const x of findLeftovers(dataDir)) problems.push(`leftover: ${x}`)
  try {
    await assertKafkajsDecodes(dataDir)
  } catch (error) {
    problems.push(`kafkajs: ${(error as Error).message}`)
  }

  totals.checked += checked
  totals.lost += lost.length
  totals.verifyFailures += verifyFailures.length
  totals.otherProblems += problems.length
  const clean = lost.length + verifyFailures.length + problems.length === 0
  if (clean) rmSync(base, {recursive: true, force: true})
  const victim = fault.victim
  const what = victim
    ? `${kind.signal === 'SIGKILL' ? 'killed' : `stopped ${victim.fault?.stoppedMs ?? '?'} ms`} ${victim.name} (${victim.role}) at ${victim.fault?.atMs} ms, ${fault.how}`
    : `no fault landed: ${fault.how}`
  const line =
    `${kind.signal === 'SIGKILL' ? 'kill' : 'stop'}:${kind.target}/${trigger}: ${what}; ` +
    `${checked} acked checked, ${lost.length} lost; verify ${verifies.length - verifyFailures.length}/${verifies.length} OK; ` +
    `${problems.length} other problems; setup ${t1 - t0} ms, workload ${t2 - t1} ms, checks ${Date.now() - t2} ms${notes.length ? `; ${notes.join('; ')}` : ''}${clean ? '' : `; data kept in ${base}`}`
  return {line, checked, lost, verifyFailures, problems, details, faulted: victim !== null}
}
