/**
 * A real PostgreSQL server for a test, started from Debian's `postgresql`
 * package (.ci/run installs it): initdb into a temp dir, pg_ctl start on a
 * free port on 127.0.0.1 with its unix socket in the same dir, trust
 * authentication, fsync off; stopped (immediate) and removed after. As
 * root (CI), it runs as the package's `postgres` user, since PostgreSQL
 * refuses to run as root. Missing binaries fail the test: it is never
 * skipped. Plain JavaScript, so bench/connect.mjs starts the same server;
 * postgres.ts gives it its types.
 */
import {execFileSync} from 'node:child_process'
import {chownSync, existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import pg from 'pg'

export function binDir() {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : []
  if (versions.length === 0) throw new Error('PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): apt-get install -y postgresql, as .ci/run does')
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin')
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port
      s.close(() => resolve(port))
    })
  })
}

/** @returns {Promise<import('./postgres.js').PostgresServer>} */
export async function startPostgres() {
  const bin = binDir()
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-pg-'))
  const data = join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  const run = (cmd, args) => {
    const env = {PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8'}
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], {env, stdio: 'pipe', cwd: dir})
    else execFileSync(join(bin, cmd), args, {env, stdio: 'pipe', cwd: dir})
  }
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(dir, uid, gid)
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
  const port = await freePort()
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`, 'start'])
  const client = new pg.Client({host: '127.0.0.1', port, user: 'postgres', database: 'postgres', password: ''})
  await client.connect()
  return {
    port,
    bin,
    socketDir: dir,
    url: `jdbc:postgresql://127.0.0.1:${port}/postgres?user=postgres`,
    async query(sql, params = []) {
      return (await client.query(sql, params)).rows
    },
    async stop() {
      await client.end().catch(() => {})
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    },
  }
}
