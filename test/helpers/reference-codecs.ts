/**
 * The reference implementations of lz4 and zstd (the `lz4` and `zstd`
 * command-line tools, liblz4 and libzstd by their authors; .ci/run installs
 * them where the machine lacks them), as an outside oracle for logpipe's
 * framing. kafkajs's own lz4 and zstd codec packages cannot stand in: both
 * build a native addon from source at install (`kafkajs-lz4` through the
 * node-gyp-built `lz4`, `@kafkajs/zstd` through `cppzst`, which does not
 * compile here), and an addon built for one Node does not load in another.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export type ReferenceTool = 'lz4' | 'zstd'

/**
 * Runs the tool on `input` and returns its output; throws with its stderr
 * when it fails. `viaFile` hands the input over as a file rather than on
 * stdin (the tools write a frame's content size only when they know it).
 */
export function reference(tool: ReferenceTool, args: readonly string[], input: Buffer, options: {viaFile?: boolean} = {}): Buffer {
  const dir = options.viaFile ? mkdtempSync(join(tmpdir(), 'logpipe-ref-')) : null
  try {
    const file = dir ? join(dir, 'input') : null
    if (file) writeFileSync(file, input)
    const r = spawnSync(tool, ['-q', '-c', ...args, ...(file ? [file] : [])], {input: file ? undefined : input, maxBuffer: 1 << 30})
    if (r.error) throw new Error(`${tool} cannot run (${r.error.message}); install Debian's ${tool} package`)
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).trim()}`)
    return r.stdout
  } finally {
    if (dir) rmSync(dir, {recursive: true, force: true})
  }
}

export const referenceCompress = (tool: ReferenceTool, input: Buffer, args: readonly string[] = [], options: {viaFile?: boolean} = {}): Buffer =>
  reference(tool, args, input, options)
export const referenceDecompress = (tool: ReferenceTool, input: Buffer): Buffer => reference(tool, ['-d'], input)
