// Inline requires for oclif's CommonJS, applied while bundling: each
// top-level `const x_1 = require("y")` becomes a getter that requires "y"
// the first time x_1 is used. oclif's modules require their whole graph at
// the top (command.js pulls in the Config and plugin loader, help/util pulls
// in ejs, ux pulls in the spinners), so without this a command that only
// parses flags still evaluates help rendering, glob matching and plugin
// discovery. Metro's inline-requires (React Native start-up) is the same
// idea. It is limited to @oclif/core's lib/, which tsc wrote: there every
// such binding is named `<module>_<n>` and only ever read, so renaming its
// uses is safe; a module whose top-level code has effects others rely on
// is listed in EAGER and left as it is.
import {readFile} from 'node:fs/promises'
import {dirname} from 'node:path'

const REQUIRE_LINE = /^(?:const|var|let) ([A-Za-z_$][\w$]*_\d+) = ((?:__importDefault\(|__importStar\()?require\("([^"]+)"\)\)?);$/gm

// Required for their effects, or read at module top anyway.
const EAGER = new Set([])

export function lazyRequires(source) {
  const bindings = []
  let out = source.replace(REQUIRE_LINE, (line, name, expr, spec) => {
    if (EAGER.has(spec)) return line
    bindings.push({name, expr})
    return `\u0000${bindings.length - 1}\u0000`
  })
  if (bindings.length === 0) return source
  for (const {name} of bindings) {
    // A use of the binding: not a property name (`.x_1`), not part of a longer identifier.
    out = out.replace(new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g'), `(${name}())`)
  }
  out = out.replace(/\u0000(\d+)\u0000/g, (_, i) => {
    const {name, expr} = bindings[Number(i)]
    return `let ${name}$m; function ${name}() { return ${name}$m ??= ${expr}; }`
  })
  return out
}

// Config.load asks wsl-utils whether this is WSL on every run; wsl-utils
// re-exports that answer from is-wsl, but its own top level first loads
// node:child_process (with net and dgram) to promisify execFile. Asking
// is-wsl (wsl-utils' dependency, resolved from there) gives the same value.
const IS_WSL_FROM_WSL_UTILS = "(await import('wsl-utils')).isWsl"
const IS_WSL = "(await import('logpipe-is-wsl')).default"

/** esbuild plugin: inline requires in @oclif/core/lib. */
export const lazyOclifRequires = {
  name: 'lazy-oclif-requires',
  setup(b) {
    b.onLoad({filter: /[\\/]node_modules[\\/]@oclif[\\/]core[\\/]lib[\\/].*\.js$/}, async (args) => ({
      contents: lazyRequires(await readFile(args.path, 'utf8')).replaceAll(IS_WSL_FROM_WSL_UTILS, IS_WSL),
      loader: 'js',
    }))
    b.onResolve({filter: /^logpipe-is-wsl$/}, async (args) => {
      const wslUtils = await b.resolve('wsl-utils', {kind: 'dynamic-import', resolveDir: args.resolveDir})
      if (wslUtils.errors.length > 0) return {errors: wslUtils.errors}
      return b.resolve('is-wsl', {kind: 'dynamic-import', resolveDir: dirname(wslUtils.path)})
    })
  },
}
