// The hand-written reference of the latency bench (`runLatency({reference: true})`):
// the least a file-based produce -> follow does, with the same processes and
// pipes as logpipe's run. produce: each stdin chunk appended to a file with
// one write; consume: fs.watch of the directory, read what is new, write it
// to stdout. No records, batches, CRCs or locks: the wake-ups alone.
import fs from 'node:fs'
const dir = process.env.LOGPIPE_DATA_DIR
const file = dir + '/relay.log'
const cmd = process.argv[2]
if (cmd === 'topic') process.exit(0)
if (cmd === 'produce') {
  const fd = fs.openSync(file, 'a')
  process.stdin.on('data', (d) => fs.writeSync(fd, d))
} else {
  fs.closeSync(fs.openSync(file, 'a'))
  const fd = fs.openSync(file, 'r')
  let pos = fs.fstatSync(fd).size
  const buf = Buffer.allocUnsafe(1 << 20)
  const drain = () => {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos)
      if (n <= 0) return
      pos += n
      process.stdout.write(Buffer.from(buf.subarray(0, n)))
    }
  }
  fs.watch(dir, () => drain())
}
