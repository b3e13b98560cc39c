/**
 * Random bytes and ids: temporary file names, lock tokens, member and store
 * ids. node:crypto is outside Node's start-up snapshot and takes a few ms to
 * load; the store, lock and group modules that name things with it are
 * imported by nearly every command, most of which never make a name. So it
 * is loaded on the first call.
 */
import {createRequire} from 'node:module'

type Crypto = typeof import('node:crypto')
let crypto: Crypto | undefined
const load = (): Crypto => (crypto ??= createRequire(import.meta.url)('node:crypto') as Crypto)

export const randomBytes = (size: number): Buffer => load().randomBytes(size)
export const randomUUID = (): string => load().randomUUID()
