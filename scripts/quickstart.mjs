// `npm run quickstart`: a real pipeline with the built CLI on your data
// directory (the default one, or $LOGPIPE_DATA_DIR when set): create a
// topic, produce keyed and unkeyed records, read them back, look at the
// files, then serve the store with a broker and read the topic through the
// Kafka protocol (with kcat when it is installed), move a file through a
// topic with Connect's FileStream connectors, and kill the leader of a
// topic replicated over three brokers. Each command is printed
// before it runs, followed by its output.
// Exits non-zero as soon as a step fails.
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const BIN = join(root, 'bin', 'run.js')
const TOPIC = 'quickstart-demo'
const COUNTS = `${TOPIC}-counts`
const CONNECT_TOPIC = `${TOPIC}-connect`
const REPLICATED = `${TOPIC}-replicated`
const STEP_TIMEOUT_MS = 60_000

const {resolveDataDir, partitionForKey} = await import(join(root, 'dist', 'index.js')).catch(() => {
  console.error('quickstart: dist/ is missing; run `npm run build` first (npm run quickstart does)')
  process.exit(1)
})

const tty = process.stdout.isTTY === true && !process.env.NO_COLOR
const bold = (s) => (tty ? `\u001b[1m${s}\u001b[22m` : s)
const dim = (s) => (tty ? `\u001b[2m${s}\u001b[22m` : s)

/** How a word is typed in a POSIX shell. */
function shellQuote(word) {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word
  return `'${word.replace(/'/g, `'\\''`)}'`
}

/** printf's view of some text: the form we show for a step's stdin. */
function printfArg(text) {
  return shellQuote(text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/%/g, '%%'))
}

// `npm run quickstart | head`: a closed stdout ends the run quietly, as it does logpipe.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

function say(text = '') {
  process.stdout.write(text + '\n')
}

/**
 * Runs `logpipe ARGS` (node bin/run.js ARGS) with `input` on its stdin,
 * showing the command as a user would type it, and its output as it comes.
 */
function run(args, {input, note} = {}) {
  const shown = (input === undefined ? '' : `printf ${printfArg(input)} | `) + ['logpipe', ...args].map(shellQuote).join(' ')
  say()
  if (note) say(dim(`# ${note}`))
  say(bold(`$ ${shown}`))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {stdio: [input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit']})
    const timer = setTimeout(() => child.kill('SIGTERM'), STEP_TIMEOUT_MS)
    if (input !== undefined) {
      child.stdin.on('error', () => {}) // a child that exits early; its exit code tells
      child.stdin.end(input)
    }
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`\`${shown}\` could not start: ${error.message}`))
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(Object.assign(new Error(`\`${shown}\` ${signal ? `was killed by ${signal}` : `exited with ${code}`}`), {exitCode: code || 1}))
    })
  })
}


/**
 * `logpipe broker start ARGS` in the background, as a user runs it in a
 * second shell: resolves with its address (the line it prints), a stop()
 * (SIGTERM: a clean shutdown) and a kill() (SIGKILL: a crash).
 */
function startBroker(extra = [], note = 'a broker serves the store over the Kafka protocol (here in the background; it runs in the foreground in a shell)') {
  const args = ['broker', 'start', '--listen', '127.0.0.1:0', '--log-level', 'warn', '-X', 'group.initial.rebalance.delay.ms=0', ...extra]
  say()
  if (note) say(dim(`# ${note}`))
  say(bold(`$ ${['logpipe', ...args].map(shellQuote).join(' ')} &`))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGTERM')
      reject(new Error('the broker printed no address within 60 s'))
    }, STEP_TIMEOUT_MS)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the broker exited with ${code} before it listened`))
    })
    child.stdout.on('data', (chunk) => {
      out += chunk
      const line = out.split('\n')[0]
      if (!out.includes('\n')) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      say(line)
      const ended = new Promise((done) => child.once('exit', () => done()))
      const signal = (name) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(name)
        return ended
      }
      resolve({address: line.trim().split(/\s+/).pop(), pid: child.pid, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL')})
    })
  })
}

/**
 * `logpipe ARGS` in the background until `stop()` (SIGTERM), its output
 * shown as it comes: a Connect worker runs until stopped.
 */
function startBackground(args, note) {
  say()
  if (note) say(dim(`# ${note}`))
  say(bold(`$ ${['logpipe', ...args].map(shellQuote).join(' ')} &`))
  const child = spawn(process.execPath, [BIN, ...args], {stdio: ['ignore', 'inherit', 'ignore']})
  const ended = new Promise((done) => child.once('exit', (code, signal) => done({code, signal})))
  return {
    ended,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const r = await ended
      if (r.code !== 0 && r.signal !== 'SIGTERM') throw Object.assign(new Error(`\`logpipe ${args.join(' ')}\` exited with ${r.code ?? r.signal}`), {exitCode: r.code || 1})
    },
  }
}

/** Polls `ready` (sync or async) until it is true, or fails the step after STEP_TIMEOUT_MS. */
async function waitUntil(ready, what) {
  const deadline = Date.now() + STEP_TIMEOUT_MS
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** What `logpipe ARGS` prints, without showing it (for the quickstart's own waits). */
function quietly(args) {
  const r = spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', timeout: STEP_TIMEOUT_MS})
  return r.status === 0 ? r.stdout : ''
}

/** Runs an outside command (kcat), shown as typed. */
function runTool(cmd, args, note) {
  say()
  say(dim(`# ${note}`))
  say(bold(`$ ${[cmd, ...args].map(shellQuote).join(' ')}`))
  const r = spawnSync(cmd, args, {stdio: ['ignore', 'inherit', 'inherit'], timeout: STEP_TIMEOUT_MS})
  if (r.status !== 0) throw Object.assign(new Error(`\`${cmd}\` exited with ${r.status ?? r.signal}`), {exitCode: r.status || 1})
}

/**
 * Kafka Connect's quickstart, the logpipe way: a FileStream source tails a
 * file into a topic, a FileStream sink writes the topic out to another file,
 * with Kafka's own .properties keys.
 */
async function connectSection() {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-quickstart-connect-'))
  try {
    const file = (name) => join(dir, name)
    writeFileSync(file('connect-standalone.properties'), `key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter=org.apache.kafka.connect.storage.StringConverter\noffset.storage.file.filename=${file('connect.offsets')}\noffset.flush.interval.ms=1000\n`)
    writeFileSync(file('connect-file-source.properties'), `name=quickstart-source\nconnector.class=FileStreamSource\ntasks.max=1\nfile=${file('events.txt')}\ntopic=${CONNECT_TOPIC}\n`)
    writeFileSync(file('connect-file-sink.properties'), `name=quickstart-sink\nconnector.class=FileStreamSink\ntasks.max=1\nfile=${file('events.sink.txt')}\ntopics=${CONNECT_TOPIC}\n`)
    writeFileSync(file('events.txt'), 'login alice\nlogin bob\nlogout alice\n')
    say()
    say(dim(`# Kafka Connect: Kafka's worker and FileStream connector files, written to ${dir}`))
    for (const name of ['connect-standalone.properties', 'connect-file-source.properties', 'connect-file-sink.properties']) {
      say(bold(`$ cat ${shellQuote(file(name))}`))
      process.stdout.write(readFileSync(file(name), 'utf8'))
    }
    const worker = startBackground(['connect', 'standalone', file('connect-standalone.properties'), file('connect-file-source.properties'), file('connect-file-sink.properties')],
      'a standalone worker: the source tails events.txt into the topic, the sink writes the topic to events.sink.txt')
    try {
      await waitUntil(() => existsSync(file('events.sink.txt')) && readFileSync(file('events.sink.txt'), 'utf8').split('\n').length > 3, 'the sink to write three lines')
      await run(['consume', CONNECT_TOPIC, '-e'], {note: 'the lines as records of the topic'})
      say()
      say(bold(`$ cat ${shellQuote(file('events.sink.txt'))}`))
      process.stdout.write(readFileSync(file('events.sink.txt'), 'utf8'))
    } finally {
      await worker.stop()
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

/**
 * Replication: three brokers, each with its own log directory, share the
 * data directory as their metadata; a topic with replication factor 3
 * keeps every acknowledged record when its leader is killed.
 */
async function replicationSection() {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-quickstart-brokers-'))
  // Short timeouts, so the failover shows in seconds (Kafka's defaults wait longer).
  const fast = ['-X', 'broker.session.timeout.ms=3000', '-X', 'broker.heartbeat.interval.ms=1000', '-X', 'replica.lag.time.max.ms=3000']
  const brokers = new Map()
  const start = async (id, note) => brokers.set(id, await startBroker(['--id', String(id), '--log-dir', join(dir, `broker${id}`), ...fast], note))
  const leaderOf = () => {
    const m = /Partition: 0\s+Leader: (\d+)/.exec(quietly(['topic', 'describe', REPLICATED]))
    return m ? Number(m[1]) : -1
  }
  try {
    await start(1, 'replication: three brokers, each keeping its replicas in a directory of its own (another disk, in practice)')
    await start(2, '')
    await start(3, '')
    await run(['topic', 'delete', REPLICATED, '--if-exists', '-q'])
    await run(['topic', 'create', REPLICATED, '--replication-factor', '3'], {note: 'each partition on all three brokers'})
    await waitUntil(() => leaderOf() > 0, 'a leader for the new topic')
    const bootstrap = [...brokers.values()].map((b) => b.address).join(',')
    await run(['produce', REPLICATED, '--bootstrap-server', bootstrap, '-X', 'acks=all'], {
      input: 'order 1\norder 2\norder 3\n',
      note: 'acks=all: acknowledged once every in-sync replica has the records',
    })
    await run(['topic', 'describe', REPLICATED])
    const leader = leaderOf()
    say()
    say(dim(`# broker ${leader} leads the partition: kill it as a crash would (SIGKILL)`))
    say(bold(`$ kill -9 ${brokers.get(leader).pid}`))
    await brokers.get(leader).kill()
    brokers.delete(leader)
    await waitUntil(() => {
      const now = leaderOf()
      return now > 0 && now !== leader
    }, 'a new leader')
    await run(['topic', 'describe', REPLICATED], {note: 'an in-sync replica took over under the next leader epoch'})
    const survivors = [...brokers.values()].map((b) => b.address).join(',')
    await run(['consume', REPLICATED, '-e', '--bootstrap-server', survivors], {note: 'every acknowledged record is still there'})
  } finally {
    for (const b of brokers.values()) await b.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}

const dataDir = resolveDataDir()
const from = process.env.LOGPIPE_DATA_DIR
  ? '$LOGPIPE_DATA_DIR'
  : process.env.XDG_DATA_HOME
    ? '$XDG_DATA_HOME/logpipe'
    : 'the default, ~/.local/share/logpipe'

say(bold('logpipe quickstart'))
say(`Data directory: ${dataDir} (${from})`)
say(`Topic: ${TOPIC}, the quickstart's own; it is deleted and created afresh on each run.`)
say(dim('"logpipe" below is `node bin/run.js`; `npm link` puts the command on your PATH.'))

const keyed = 'alice:signed up\ndave:signed up\nalice:ordered 3 books\ncarol:signed up\ndave:ordered 1 lamp\n'
const unkeyed = 'page view /\npage view /books\nclick buy\n'
const alicePartition = partitionForKey(Buffer.from('alice'), 3)

try {
  await run(['--version'])
  await run(['topic', 'delete', TOPIC, '--if-exists'], {note: 'start from a clean topic'})
  for (const t of [CONNECT_TOPIC, COUNTS, `${COUNTS}-KSTREAM-AGGREGATE-STATE-STORE-0000000001-changelog`]) await run(['topic', 'delete', t, '--if-exists', '-q'])
  await run(['topic', 'create', TOPIC, '--partitions', '3', '--if-not-exists'])
  await run(['topic', 'list'])
  await run(['produce', TOPIC, '-K:'], {
    input: keyed,
    note: 'keyed records: key and value split at the first ":"; a key always maps to the same partition (Kafka\'s murmur2)',
  })
  await run(['produce', TOPIC], {input: unkeyed, note: 'unkeyed records: one partition per batch (sticky partitioning)'})
  await run(['consume', TOPIC, '-e', '-f', '%p %o %k %s\\n'], {
    note: 'read everything and stop at the end (-e); -f prints partition, offset, key, value like kcat',
  })
  await run(['consume', TOPIC, '-p', String(alicePartition), '-o', '-2', '-e', '--json'], {
    note: `the last 2 records of partition ${alicePartition} (where "alice" lives) as JSON`,
  })
  await run(['topic', 'describe', TOPIC])
  await run(['dump', join(dataDir, 'topics', TOPIC, String(alicePartition), '00000000000000000000.log'), '--print-data'], {
    note: 'the segment file itself: Kafka RecordBatch v2, decoded',
  })
  await run(['topic', 'verify', TOPIC], {note: 'check every batch CRC and index entry'})
  await run(['stream', 'count', '--from', TOPIC, '--to', COUNTS, '--application-id', COUNTS, '-e'], {
    note: 'a Kafka Streams app in one line: count the records per key (its group and changelog topic carry Kafka\'s names)',
  })
  await run(['consume', COUNTS, '-e', '-f', '%k %s\\n'], {note: 'each new count per key; the unkeyed records have no key to count'})
  const broker = await startBroker()
  try {
    await run(['broker', 'list'])
    if (spawnSync('kcat', ['-V'], {stdio: 'ignore'}).status === 0) {
      runTool('kcat', ['-b', broker.address, '-L', '-t', TOPIC], 'any Kafka client sees the topic: kcat lists its partitions, led by broker 0')
      runTool('kcat', ['-b', broker.address, '-C', '-t', TOPIC, '-e', '-q', '-f', '%p %o %k %s\\n'], 'and reads the records logpipe wrote, through the Kafka protocol')
    } else {
      say(dim('# (kcat is not installed: `apt-get install kcat`, then `kcat -b ' + broker.address + ' -C -t ' + TOPIC + ' -e`)'))
    }
    await run(['produce', TOPIC, '-K:'], {input: 'alice:back again\n', note: 'beside the broker, produce goes through it by itself (the broker holds the partitions\' locks)'})
    await run(['stream', 'count', '--from', TOPIC, '--to', COUNTS, '--application-id', COUNTS, '-e'], {
      note: 'so does the Streams app: it goes on from its commit, its counts and changelog written through the broker, its group kept by the broker\'s coordinator',
    })
    await run(['consume', COUNTS, '-e', '-f', '%k %s\\n', '-o', '-1'], {note: 'the newest count of each partition: alice is one up'})
  } finally {
    await broker.stop()
  }
  await connectSection()
  await replicationSection()
} catch (error) {
  say()
  console.error(`quickstart: step failed: ${error.message}`)
  process.exit(error.exitCode ?? 1)
}

say()
say(bold('Done.') + ' Next:')
const next = [
  [`logpipe consume ${TOPIC}`, 'follow the topic (Ctrl-C to stop) while you produce from another shell'],
  [`ls -lR ${shellQuote(join(dataDir, 'topics', TOPIC))}`, 'the files: one directory per partition'],
  ['logpipe broker start', 'serve the store to kcat, kafkajs, kafka-python (127.0.0.1:9092)'],
  ['man ./man/logpipe.1', 'every command, flag, file and exit code'],
  [`logpipe topic delete ${TOPIC}`, 'clean up'],
]
const width = Math.max(...next.map(([c]) => c.length)) + 2
for (const [command, what] of next) say(`  ${command.padEnd(width)}${dim(what)}`)
