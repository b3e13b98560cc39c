/**
 * proper-lockfile, loaded on first use: it brings graceful-fs (which
 * patches node:fs), node:assert and signal-exit, ~3-4 ms of CPU of a run on
 * Node 22, which commands that only read never need.
 *
 * signal-exit (under proper-lockfile) re-raises SIGTERM when its listener
 * finds itself the last one, so it must be registered before any handler
 * that removes itself when it runs (consume's, produce's, broker start's,
 * Connect's, Streams'; test/e2e/groups-admin.test.ts kills a member so).
 * Whoever may register one loads this first: the CLI before every command
 * that does not declare itself read-only (src/cli/main.ts), the package
 * index at import (src/index.ts).
 */
import type Lockfile from 'proper-lockfile'

let loading: Promise<typeof Lockfile> | undefined

export function loadLockfile(): Promise<typeof Lockfile> {
  return (loading ??= import('proper-lockfile').then((m) => m.default))
}
