/**
 * `security/users.json` in the data directory: who may log in to a broker
 * and how, as Kafka keeps SCRAM credentials (salt, iterations, StoredKey,
 * ServerKey per mechanism), never a password. A PLAIN login is checked by
 * deriving the SCRAM credential from the password it sends.
 *
 * Layout: {"version": 1, "users": {"alice": {"mechanisms": ["SCRAM-SHA-256",
 * ...], "SCRAM-SHA-256": {"salt": b64, "iterations": 4096, "storedKey": b64,
 * "serverKey": b64}, ...}}}. Written atomically with mode 0600 in a 0700
 * directory; the broker reads it at each login, so `broker user add` and
 * `remove` apply to the next connection without a restart. Nothing in it is
 * trusted: a field of the wrong type or size fails the read, naming the file.
 */
import {chmodSync, mkdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {BrokerError, NotFoundError, UsageError} from '../../errors.js'
import {writeFileAtomic} from '../../store/atomic-write.js'
import {MAX_ITERATIONS, MIN_ITERATIONS, SCRAM_MECHANISMS, type ScramCredential, type ScramMechanism, deriveCredential, isScramMechanism} from '../../wire/sasl/scram.js'

export const SASL_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'] as const
export type SaslMechanism = (typeof SASL_MECHANISMS)[number]

export function isSaslMechanism(name: string): name is SaslMechanism {
  return (SASL_MECHANISMS as readonly string[]).includes(name)
}

export interface SaslUser {
  name: string
  /** The mechanisms this user may log in with. */
  mechanisms: SaslMechanism[]
  credentials: Partial<Record<ScramMechanism, ScramCredential>>
}

/** Kafka's own limit on SCRAM user names is none; ours keeps names printable and short. */
const USERNAME = /^[^\u0000-\u001f\u007f]{1,255}$/u
const KEY_BYTES: Record<ScramMechanism, number> = {'SCRAM-SHA-256': 32, 'SCRAM-SHA-512': 64}

export function usersFilePath(dataDir: string): string {
  return join(dataDir, 'security', 'users.json')
}

export function checkUsername(name: string): void {
  if (!USERNAME.test(name)) throw new UsageError(`user name must be 1-255 printable characters, not ${JSON.stringify(name)}`)
}

export class UsersFile {
  readonly path: string
  private readonly dir: string

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'security')
    this.path = usersFilePath(dataDir)
  }

  /** Every user; none when the file does not exist. */
  read(): Map<string, SaslUser> {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
      throw new BrokerError(`cannot read ${this.path}: ${(error as Error).message}`)
    }
    return this.parse(text)
  }

  get(name: string): SaslUser | undefined {
    return this.read().get(name)
  }

  /** Adds or replaces `name`, with a fresh salt per mechanism. */
  add(name: string, password: string, mechanisms: readonly SaslMechanism[], iterations = MIN_ITERATIONS): SaslUser {
    checkUsername(name)
    if (password.length === 0) throw new UsageError('the password is empty')
    if (mechanisms.length === 0) throw new UsageError('no SASL mechanism given')
    if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new UsageError(`iterations must be between ${MIN_ITERATIONS} and ${MAX_ITERATIONS}, not ${iterations}`)
    }
    const scram = SCRAM_MECHANISMS.filter((m) => mechanisms.includes(m))
    // PLAIN alone still needs a credential to check the password against.
    if (scram.length === 0) scram.push('SCRAM-SHA-256')
    const credentials: SaslUser['credentials'] = {}
    for (const m of scram) credentials[m] = deriveCredential(m, password, iterations)
    const user: SaslUser = {name, mechanisms: SASL_MECHANISMS.filter((m) => mechanisms.includes(m)), credentials}
    const users = this.read()
    users.set(name, user)
    this.write(users)
    return user
  }

  remove(name: string): void {
    const users = this.read()
    if (!users.delete(name)) throw new NotFoundError(`no user ${JSON.stringify(name)} in ${this.path}`, {hint: 'see `logpipe broker user list`'})
    this.write(users)
  }

  private write(users: Map<string, SaslUser>): void {
    mkdirSync(this.dir, {recursive: true, mode: 0o700})
    chmodSync(this.dir, 0o700)
    const out: Record<string, unknown> = {}
    for (const u of [...users.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const entry: Record<string, unknown> = {mechanisms: u.mechanisms}
      for (const [m, c] of Object.entries(u.credentials)) {
        entry[m] = {salt: c.salt.toString('base64'), iterations: c.iterations, storedKey: c.storedKey.toString('base64'), serverKey: c.serverKey.toString('base64')}
      }
      out[u.name] = entry
    }
    writeFileAtomic(this.path, JSON.stringify({version: 1, users: out}, null, 2) + '\n', 0o600)
  }

  private parse(text: string): Map<string, SaslUser> {
    const bad = (what: string) => new BrokerError(`${this.path} is damaged: ${what}`, {hint: 'fix or remove it, then add the users again with `logpipe broker user add`'})
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      throw bad('not JSON')
    }
    if (!isObject(doc) || doc.version !== 1 || !isObject(doc.users)) throw bad('expected {"version": 1, "users": {...}}')
    const users = new Map<string, SaslUser>()
    for (const [name, entry] of Object.entries(doc.users)) {
      if (!USERNAME.test(name)) throw bad(`user name ${JSON.stringify(name)}`)
      if (!isObject(entry) || !Array.isArray(entry.mechanisms) || !entry.mechanisms.every((m) => typeof m === 'string' && isSaslMechanism(m))) {
        throw bad(`user ${JSON.stringify(name)}: mechanisms`)
      }
      const credentials: SaslUser['credentials'] = {}
      for (const [m, c] of Object.entries(entry)) {
        if (m === 'mechanisms') continue
        if (!isScramMechanism(m) || !isObject(c)) throw bad(`user ${JSON.stringify(name)}: ${m}`)
        const salt = base64(c.salt)
        const storedKey = base64(c.storedKey)
        const serverKey = base64(c.serverKey)
        const iterations = c.iterations
        if (!salt || salt.length === 0 || storedKey?.length !== KEY_BYTES[m] || serverKey?.length !== KEY_BYTES[m]) throw bad(`user ${JSON.stringify(name)}: ${m} keys`)
        if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
          throw bad(`user ${JSON.stringify(name)}: ${m} iterations`)
        }
        credentials[m] = {salt, iterations, storedKey, serverKey}
      }
      users.set(name, {name, mechanisms: entry.mechanisms as SaslMechanism[], credentials})
    }
    return users
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function base64(v: unknown): Buffer | null {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return null
  return Buffer.from(v, 'base64')
}
