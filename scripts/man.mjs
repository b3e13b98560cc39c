// Man pages from the oclif manifest: man/logpipe.1 (the overview) and one
// page per command, man/logpipe-<id with spaces as dashes>.1. Nothing here
// is written by hand per command: summaries, descriptions, flags, arguments
// and examples all come from the commands' static metadata, so `--help` and
// `man` cannot drift apart. The pages are generated at build time (man/*.1
// is git-ignored); package.json "man" lists them and the build fails when
// that list and the commands disagree.
//
//   node scripts/man.mjs          regenerate from oclif.manifest.json
//   node scripts/man.mjs --sync   regenerate and rewrite package.json "man"
import {mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const MAN_DIR = 'man'
const SECTION = '1'

/**
 * Writes the pages into <root>/man and returns their paths relative to root
 * (man/logpipe.1 first). Throws when package.json "man" does not list
 * exactly these pages, unless `syncPackageJson` is set, which rewrites it.
 */
export function generateManPages(root, manifest, {syncPackageJson = false} = {}) {
  const pkgPath = join(root, 'package.json')
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'))
  const bin = pkg.oclif?.bin ?? 'logpipe'
  const separator = pkg.oclif?.topicSeparator ?? ' '
  const ctx = {
    bin,
    separator,
    date: buildDate(),
    source: `${bin} ${pkg.version}`,
    manual: `${bin} manual`,
    description: pkg.description ?? '',
  }
  const commands = Object.values(manifest.commands)
    .filter((c) => !c.hidden)
    .map((c) => ({...c, words: c.id.split(':')}))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

  const pages = new Map()
  pages.set(`${bin}.${SECTION}`, overviewPage(ctx, commands))
  for (const c of commands) pages.set(pageName(ctx, c), commandPage(ctx, c, commands))

  const dir = join(root, MAN_DIR)
  mkdirSync(dir, {recursive: true})
  // Pages of commands that no longer exist must not linger.
  for (const name of readdirSync(dir)) {
    if (name.startsWith(bin) && name.endsWith(`.${SECTION}`) && !pages.has(name)) unlinkSync(join(dir, name))
  }
  for (const [name, text] of pages) writeFileSync(join(dir, name), text)

  const expected = [...pages.keys()].map((name) => `./${MAN_DIR}/${name}`)
  const listed = [pkg.man ?? []].flat().map((p) => './' + p.replace(/^\.\//, ''))
  const same = expected.length === listed.length && [...expected].sort().every((p, i) => p === [...listed].sort()[i])
  if (!same) {
    if (!syncPackageJson) {
      const missing = expected.filter((p) => !listed.includes(p))
      const extra = listed.filter((p) => !expected.includes(p))
      throw new Error(
        'package.json "man" does not match the commands' +
          (missing.length > 0 ? `; missing: ${missing.join(', ')}` : '') +
          (extra.length > 0 ? `; no such page: ${extra.join(', ')}` : '') +
          '\nhint: run `node scripts/man.mjs --sync` (it reads the manifest this build wrote) to rewrite the list, then build again',
      )
    }
    writeFileSync(pkgPath, JSON.stringify(withMan(pkg, expected), null, 2) + '\n')
  }
  return [...pages.keys()].map((name) => `${MAN_DIR}/${name}`)
}

/** package.json with "man" set, placed after "bin" when it is new. */
function withMan(pkg, man) {
  if ('man' in pkg) return {...pkg, man}
  const out = {}
  for (const [k, v] of Object.entries(pkg)) {
    out[k] = v
    if (k === 'bin') out.man = man
  }
  if (!('man' in out)) out.man = man
  return out
}

/** SOURCE_DATE_EPOCH for reproducible builds, else today. */
function buildDate() {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH)
  const d = Number.isFinite(epoch) && process.env.SOURCE_DATE_EPOCH ? new Date(epoch * 1000) : new Date()
  return d.toISOString().slice(0, 10)
}

// ---------------------------------------------------------------------------
// roff escaping

/** Characters roff would not print as typed, or as ASCII, in running text. */
function escapeChars(text) {
  let out = ''
  for (const ch of text) {
    const cp = ch.codePointAt(0)
    if (ch === '\\') out += '\\e'
    else if (cp > 0x7e) out += `\\[u${cp.toString(16).toUpperCase().padStart(4, '0')}]`
    else if (cp < 0x20 && ch !== '\n') out += ' '
    else out += ch
  }
  return out
}

/**
 * Running text. Words that look like options (-K, --key-separator, -N) get
 * \- for every hyphen, so they print as ASCII and can be copied; other
 * hyphens stay hyphens.
 */
function prose(text) {
  return escapeChars(text)
    .replace(/(^|[\s([{`'"/|,=])(-{1,2}[A-Za-z0-9][\w.-]*)/g, (_, before, word) => before + word.replace(/-/g, '\\-'))
    .replace(/(^|[\s([{`'"/|,=])(-{1,2})(?=[\s)\]}`'"|,]|$)/g, (_, before, dashes) => before + dashes.replace(/-/g, '\\-'))
}

/** Literal text (commands, names, values): every character as typed, in ASCII. */
function literal(text) {
  return escapeChars(text)
    .replace(/-/g, '\\-')
    .replace(/'/g, "\\(aq")
    .replace(/`/g, '\\(ga')
    .replace(/~/g, '\\(ti')
    .replace(/\^/g, '\\(ha')
}

/** A line of output text: one starting with . or ' would be read as a request. */
function line(text) {
  return /^[.']/.test(text) ? `\\&${text}` : text
}

const bold = (t) => `\\fB${t}\\fR`
const italic = (t) => `\\fI${t}\\fR`

/** Template text as oclif renders it in help. */
function expand(ctx, text, command) {
  return String(text)
    .replace(/<%=\s*config\.bin\s*%>/g, ctx.bin)
    .replace(/<%=\s*command\.id\s*%>/g, command ? command.words.join(ctx.separator) : '')
}

/**
 * Paragraphs of a description: blank lines separate them; a paragraph whose
 * every line is indented is preformatted (a table of tokens, say).
 */
function paragraphs(ctx, text, command) {
  const out = []
  for (const block of expand(ctx, text, command).split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '')
    if (lines.length === 0) continue
    if (lines.every((l) => /^\s/.test(l))) {
      const indent = Math.min(...lines.map((l) => l.match(/^\s*/)[0].length))
      out.push('.PP', '.RS 4', '.nf', ...lines.map((l) => line(literal(l.slice(indent)))), '.fi', '.RE')
    } else {
      out.push('.PP', ...lines.map((l) => line(prose(l.trim()))))
    }
  }
  return out
}

// ---------------------------------------------------------------------------
// Pieces shared by the pages

function pageName(ctx, c) {
  return `${[ctx.bin, ...c.words].join('-')}.${SECTION}`
}

function pageRef(ctx, c) {
  return [ctx.bin, ...c.words].join('-')
}

function header(ctx, title) {
  return [
    `.\\" Generated by scripts/man.mjs from oclif.manifest.json. Do not edit.`,
    `.TH "${literal(title.toUpperCase())}" "${SECTION}" "${ctx.date}" "${literal(ctx.source)}" "${literal(ctx.manual)}"`,
    // No hyphenation, ragged right: option names and paths stay whole.
    '.nh',
    '.ad l',
  ]
}

function isGlobal(flag) {
  return flag.helpGroup === 'GLOBAL'
}

function visibleFlags(c) {
  return Object.values(c.flags ?? {}).filter((f) => !f.hidden)
}

/** ARGS as in a synopsis: TOPIC, [FILE], the last one FILE... when the command takes many. */
function argsSynopsis(c) {
  const args = Object.values(c.args ?? {}).filter((a) => !a.hidden)
  return args.map((a, i) => {
    const many = c.strict === false && i === args.length - 1 ? '...' : ''
    const name = italic(literal(a.name.toUpperCase())) + many
    return a.required ? name : `[${name}]`
  })
}

function commandSynopsis(ctx, c) {
  const parts = [bold(literal([ctx.bin, ...c.words].join(' ')))]
  if (visibleFlags(c).some((f) => !isGlobal(f))) parts.push(`[${italic('options')}]`)
  return [...parts, ...argsSynopsis(c)].join(' ')
}

function placeholder(flag) {
  if (flag.type !== 'option') return ''
  if (flag.helpValue) return [flag.helpValue].flat().join(' ').replace(/[<>]/g, '')
  if (flag.options?.length > 0) return flag.options.join('|')
  return flag.name.toUpperCase().replace(/-/g, '_')
}

/** The tag of a flag, aliases included: -f, -F, --format FMT */
function flagTag(flag) {
  const names = []
  for (const c of [flag.char, ...(flag.charAliases ?? [])].filter(Boolean)) names.push(bold(literal(`-${c}`)))
  names.push(bold(literal(flag.allowNo ? `--[no-]${flag.name}` : `--${flag.name}`)))
  for (const a of flag.aliases ?? []) names.push(bold(literal(`--${a}`)))
  const value = placeholder(flag)
  let tag = names.join(', ')
  if (value) tag += ' ' + (flag.options?.length > 0 && !flag.helpValue ? flag.options.map((o) => bold(literal(o))).join('|') : italic(literal(value)))
  return tag
}

function flagDefault(flag) {
  const d = flag.default
  if (d === undefined || d === null || d === false || (Array.isArray(d) && d.length === 0)) return null
  if (flag.type === 'boolean' && d === true) return 'on'
  return [d].flat().join(', ')
}

function flagEntry(flag) {
  const out = ['.TP', line(flagTag(flag))]
  const summary = flag.summary ?? flag.description ?? ''
  const facts = []
  if (flag.options?.length > 0) facts.push(`One of: ${flag.options.map((o) => bold(literal(o))).join(', ')}.`)
  const d = flagDefault(flag)
  if (d !== null) facts.push(`Default: ${bold(literal(d))}.`)
  if (flag.multiple && !/repeat/i.test(summary)) facts.push('May be given more than once.')
  if (flag.required) facts.push('Required.')
  for (const [key, words] of [['exclusive', 'Cannot be used with'], ['dependsOn', 'Needs'], ['exactlyOne', 'Exactly one of this and']]) {
    const others = (flag[key] ?? []).filter((o) => o !== flag.name)
    if (others.length > 0) facts.push(`${words} ${others.map((o) => bold(literal(`--${o}`))).join(', ')}.`)
  }
  out.push(line([prose(summary), ...facts].filter(Boolean).join(' ')))
  if (flag.summary && flag.description && flag.description !== flag.summary) {
    for (const p of flag.description.split(/\n\s*\n/)) out.push('.IP', line(prose(p.replace(/\s*\n\s*/g, ' ').trim())))
  }
  return out
}

function exampleLines(ctx, c, example) {
  const {command, description} = typeof example === 'string' ? {command: example} : example
  const out = []
  if (description) out.push('.PP', line(prose(expand(ctx, description, c))))
  out.push('.PP', '.RS 4', '.nf')
  // A shell prompt before the command; continuation lines are indented under it.
  expand(ctx, command, c)
    .split('\n')
    .forEach((l, i) => out.push(line(literal(`${i === 0 ? '$' : ' '} ${l}`))))
  out.push('.fi', '.RE')
  return out
}

const EXIT_CODES = [
  ['0', 'Success. A closed standard output (a reader such as \\fBhead\\fR(1) that stopped early) also ends the command with 0.'],
  ['1', 'Runtime error: I/O, a damaged file, a lock that did not come free.'],
  ['2', 'Usage error: an unknown command or flag, a bad value (the message names the flag), an invalid topic name.'],
  ['3', 'Not found: a topic, group or file that does not exist.'],
]

function exitStatus() {
  const out = ['.SH "EXIT STATUS"']
  for (const [code, text] of EXIT_CODES) out.push('.TP', bold(code), line(text))
  out.push('.PP', 'Errors are printed on standard error as one line, \\fBlogpipe: \\fIwhat\\fR, followed by a \\fBhint:\\fR line where one helps.')
  return out
}

function seeAlso(refs) {
  const out = ['.SH "SEE ALSO"']
  refs.forEach((ref, i) => out.push(`.BR ${literal(ref)} (${SECTION})${i < refs.length - 1 ? ',' : ''}`))
  return out
}

// ---------------------------------------------------------------------------
// A command's page

function commandPage(ctx, c, all) {
  const name = [ctx.bin, ...c.words].join(' ')
  const summary = expand(ctx, c.summary ?? (c.description ?? '').split('\n')[0], c)
  const out = [...header(ctx, pageRef(ctx, c))]
  out.push('.SH NAME', line(`${literal(pageRef(ctx, c))} \\- ${prose(summary.replace(/\.$/, ''))}`))
  out.push('.SH SYNOPSIS', line(commandSynopsis(ctx, c)))
  out.push('.SH DESCRIPTION', ...paragraphs(ctx, summary, c))
  if (c.description && c.description !== c.summary) out.push(...paragraphs(ctx, c.description, c))
  if (c.aliases?.length > 0) {
    out.push('.PP', line(`Also available as ${c.aliases.map((a) => bold(literal([ctx.bin, ...a.split(':')].join(' ')))).join(', ')}.`))
  }

  const flags = visibleFlags(c)
  const own = flags.filter((f) => !isGlobal(f))
  const global = flags.filter(isGlobal)
  out.push('.SH OPTIONS')
  if (own.length === 0) out.push(line(`${bold(literal(name))} has no options of its own.`))
  for (const f of own) out.push(...flagEntry(f))
  if (global.length > 0) {
    out.push('.SS "Global options"')
    for (const f of global) out.push(...flagEntry(f))
    out.push(...flagEntry({name: 'help', type: 'boolean', summary: 'Show help for this command.'}))
  }

  const args = Object.values(c.args ?? {}).filter((a) => !a.hidden)
  if (args.length > 0) {
    out.push('.SH ARGUMENTS')
    const synopsis = argsSynopsis(c)
    args.forEach((a, i) => {
      const facts = []
      if (a.options?.length > 0) facts.push(`One of: ${a.options.map((o) => bold(literal(o))).join(', ')}.`)
      if (a.default !== undefined) facts.push(`Default: ${bold(literal(String(a.default)))}.`)
      if (!a.required) facts.push('Optional.')
      out.push('.TP', line(synopsis[i].replace(/^\[(.*)\]$/, '$1')), line([prose(expand(ctx, a.description ?? '', c)), ...facts].filter(Boolean).join(' ')))
    })
  }

  const examples = [c.examples ?? []].flat()
  if (examples.length > 0) {
    out.push('.SH EXAMPLES')
    for (const e of examples) out.push(...exampleLines(ctx, c, e))
  }

  out.push(...exitStatus())

  // The overview, then the commands next to this one (same topic, or the
  // other top-level commands).
  const parent = c.words.slice(0, -1).join(' ')
  const siblings = all.filter((o) => o !== c && o.words.slice(0, -1).join(' ') === parent).map((o) => pageRef(ctx, o))
  out.push(...seeAlso([ctx.bin, ...siblings]))
  return out.join('\n') + '\n'
}

// ---------------------------------------------------------------------------
// The overview page

const ENVIRONMENT = [
  ['LOGPIPE_DATA_DIR', 'The data directory, when \\fB\\-\\-data\\-dir\\fR is not given.'],
  ['XDG_DATA_HOME', 'When neither \\fB\\-\\-data\\-dir\\fR nor \\fBLOGPIPE_DATA_DIR\\fR is set, the data directory is \\fI$XDG_DATA_HOME/logpipe\\fR; without it, \\fI\\(ti/.local/share/logpipe\\fR.'],
  ['NO_COLOR', 'When set to a non-empty value, output is never coloured. Colour is only ever used on a terminal.'],
  ['LOGPIPE_DEBUG', 'When \\fB1\\fR, errors are followed by their stack trace.'],
]

const FILES = [
  ['store.json', 'Format version, store id (a UUID) and creation time.'],
  ['topics/<topic>/topic.json', 'The topic: partition count, replication factor, config overrides.'],
  ['topics/<topic>/<partition>/', 'One directory per partition: \\fI0/\\fR, \\fI1/\\fR, ...'],
  ['00000000000000000000.log', 'A segment: Kafka RecordBatch v2 batches, byte for byte as Kafka writes them. The name is the base offset of the segment, zero-padded to 20 digits. Decode it with \\fBlogpipe dump\\fR.'],
  ['00000000000000000000.index', 'Sparse offset index in Kafka\'s format (8-byte entries). Rebuilt from the log when missing or damaged.'],
  ['00000000000000000000.timeindex', 'Sparse time index in Kafka\'s format (12-byte entries). Rebuilt from the log when missing or damaged.'],
  ['leader.lock', 'The partition\'s write lock (a directory, held while a process writes). Its holder is the partition\'s leader.'],
  ['leader.json', 'Who holds or last held the lock: pid, host, start time; \\fBtopic describe\\fR shows it.'],
  ['groups/<group>/', 'A consumer group: its committed offsets (one small file per partition, replaced atomically) and its members.'],
  ['brokers/, connect/, streams/', 'Reserved for brokers, Connect and Streams, which this version does not have yet.'],
]

function overviewPage(ctx, commands) {
  const out = [...header(ctx, ctx.bin)]
  out.push('.SH NAME', line(`${literal(ctx.bin)} \\- ${prose(ctx.description.replace(/\.$/, ''))}`))

  out.push('.SH SYNOPSIS')
  out.push(line(`${bold(literal(ctx.bin))} [${bold('\\-\\-data\\-dir')} ${italic('DIR')}] [${bold('\\-\\-json')}] [${bold('\\-q')}] ${italic('command')} [${italic('options')}] [${italic('arguments')}]`))
  for (const c of commands) out.push('.br', line(commandSynopsis(ctx, c)))
  out.push('.br', line(`${bold(literal(ctx.bin))} ${bold('\\-\\-version')}`))
  out.push('.br', line(`${bold(literal(ctx.bin))} [${italic('command')}] ${bold('\\-\\-help')}`))

  out.push('.SH DESCRIPTION')
  out.push(
    line(`${bold(literal(ctx.bin))} brings Apache Kafka's model \\(em topics, partitions, an append-only log with offsets, producers and consumers \\(em to the command line, over a plain directory, the way ${bold('git')} works on ${italic('.git')}.`),
    'No server is needed: commands read and write the files of the data directory directly.',
    'Segments and indexes are byte-compatible with Apache Kafka\'s.',
    '.PP',
    line(`Each command has its own page, named ${italic(literal(`${ctx.bin}-`))}${italic('command')}, for example ${bold(literal(`${ctx.bin}-produce`))}(${SECTION}).`),
  )

  out.push('.SH COMMANDS')
  for (const c of commands) {
    const summary = expand(ctx, c.summary ?? (c.description ?? '').split('\n')[0], c)
    out.push('.TP', line(commandSynopsis(ctx, c)), line(`${prose(summary)} See ${bold(literal(pageRef(ctx, c)))}(${SECTION}).`))
  }

  // Global flags: those every command shares, as the manifest has them.
  const globals = new Map()
  for (const c of commands) for (const f of visibleFlags(c)) if (isGlobal(f) && !globals.has(f.name)) globals.set(f.name, f)
  out.push('.SH "GLOBAL OPTIONS"', 'Every command takes these.')
  for (const f of globals.values()) out.push(...flagEntry(f))
  out.push(...flagEntry({name: 'help', type: 'boolean', summary: 'Show help for the command (or the list of commands).'}))
  out.push(...flagEntry({name: 'version', type: 'boolean', summary: 'Print the version and exit.'}))

  out.push('.SH ENVIRONMENT')
  for (const [name, text] of ENVIRONMENT) out.push('.TP', bold(name), line(text))

  out.push(...exitStatus())

  out.push('.SH FILES')
  out.push(
    line(`The data directory is, in order: ${bold('\\-\\-data\\-dir')} ${italic('DIR')}, ${bold('$LOGPIPE_DATA_DIR')}, ${italic('$XDG_DATA_HOME/logpipe')}, ${italic('\\(ti/.local/share/logpipe')}.`),
    'It is created on first use with mode 0700. Everything in it can be read with',
    '\\fBls\\fR(1) and \\fBcat\\fR(1) except the segment files, which \\fBlogpipe dump\\fR decodes.',
    'Paths below are relative to it; segment files live in the partition directories.',
  )
  for (const [path, text] of FILES) out.push('.TP', italic(path.replace(/-/g, '\\-')), line(text))

  const examples = commands.flatMap((c) => [c.examples ?? []].flat().slice(0, 1).map((e) => ({c, e})))
  if (examples.length > 0) {
    out.push('.SH EXAMPLES')
    for (const {c, e} of examples) out.push(...exampleLines(ctx, c, e))
  }

  out.push(...seeAlso(commands.map((c) => pageRef(ctx, c))))
  return out.join('\n') + '\n'
}

// ---------------------------------------------------------------------------

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'))
  const written = generateManPages(root, manifest, {syncPackageJson: process.argv.includes('--sync')})
  process.stdout.write(written.join('\n') + '\n')
}
