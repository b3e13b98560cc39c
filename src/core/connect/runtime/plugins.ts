/**
 * Finding a connector class by `connector.class`: the built-in ones by
 * Kafka's full name, the simple name, or the simple name without
 * "Connector" (Kafka's aliases), and user modules found through
 * `plugin.path` (comma-separated): a .js/.mjs file, or a directory whose
 * .js/.mjs files and subdirectories' package main or index.js are loaded.
 * Every exported class that has taskClass() and taskConfigs() is a
 * connector, known by its export name, its class name and its static
 * CLASS_NAME if it has one. A class with apply() and configure() is a
 * transform, one with test() and configure() a predicate, known by the
 * same names. Kafka's .jar entries (the quickstart adds
 * libs/connect-file-*.jar) hold what is built in here and are passed over.
 */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {extname, join, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'
import {ConnectConfigError} from '../../errors.js'
import {type Connector, SinkConnector, SourceConnector} from '../api/connector.js'
import {FileStreamSinkConnector} from '../connectors/file-stream-sink.js'
import {FileStreamSourceConnector} from '../connectors/file-stream-source.js'
import {ExecSinkConnector} from '../connectors/exec-sink.js'
import {ExecSourceConnector} from '../connectors/exec-source.js'
import {HttpSinkConnector} from '../connectors/http-sink.js'
import {JdbcSinkConnector} from '../connectors/jdbc-sink.js'
import type {PredicateClass, TransformationClass} from '../api/transformation.js'
import {BUILT_IN_PREDICATES, BUILT_IN_TRANSFORMS, classNames, isPredicateClass, isTransformationClass} from '../transforms/transform-classes.js'

export type ConnectorClass = new () => Connector
export type ConnectorKind = 'source' | 'sink'

export interface PluginInfo {
  className: string
  type: ConnectorKind
  version: string
  ctor: ConnectorClass
}

const BUILT_IN: ConnectorClass[] = [FileStreamSourceConnector, FileStreamSinkConnector, ExecSourceConnector, ExecSinkConnector, HttpSinkConnector, JdbcSinkConnector]

export class Plugins {
  private readonly byName = new Map<string, PluginInfo>()
  private readonly infos: PluginInfo[] = []
  private readonly transforms = new Map<string, TransformationClass>()
  private readonly predicates = new Map<string, PredicateClass>()

  private constructor(private readonly notice: (m: string) => void) {
    for (const c of BUILT_IN) this.register(c, [])
    for (const t of BUILT_IN_TRANSFORMS) for (const n of classNames(t)) this.transforms.set(n, t)
    for (const p of BUILT_IN_PREDICATES) for (const n of classNames(p)) this.predicates.set(n, p)
  }

  /** The built-in connectors plus those of every plugin.path entry. */
  static async load(pluginPath: string | undefined, notice: (m: string) => void, baseDir = process.cwd()): Promise<Plugins> {
    const p = new Plugins(notice)
    for (const entry of (pluginPath ?? '').split(',').map((s) => s.trim()).filter(Boolean)) await p.loadEntry(resolve(baseDir, entry), entry)
    return p
  }

  private async loadEntry(path: string, given: string): Promise<void> {
    if (path.endsWith('.jar')) {
      this.notice(`plugin.path: ${given} is a Java archive; logpipe has the FileStream connectors built in and loads JavaScript modules only`)
      return
    }
    if (!existsSync(path)) {
      this.notice(`plugin.path: ${given} does not exist; passed over`)
      return
    }
    if (!statSync(path).isDirectory()) return this.loadModule(path)
    for (const name of readdirSync(path).sort()) {
      const p = join(path, name)
      const st = statSync(p)
      if (st.isFile() && ['.js', '.mjs'].includes(extname(name))) await this.loadModule(p)
      else if (st.isDirectory()) {
        const main = packageMain(p)
        if (main) await this.loadModule(main)
      }
    }
  }

  private async loadModule(file: string): Promise<void> {
    let mod: Record<string, unknown>
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>
    } catch (error) {
      throw new ConnectConfigError(`plugin.path: cannot load ${file}: ${(error as Error).message}`)
    }
    for (const [exportName, value] of Object.entries(mod)) {
      if (isConnectorClass(value)) this.register(value, exportName === 'default' ? [] : [exportName])
      else if (isTransformationClass(value)) for (const n of classNames(value, exportName)) this.transforms.set(n, value)
      else if (isPredicateClass(value)) for (const n of classNames(value, exportName)) this.predicates.set(n, value)
    }
  }

  private register(ctor: ConnectorClass, aliases: string[]): void {
    const declared = (ctor as unknown as {CLASS_NAME?: unknown}).CLASS_NAME
    const className = typeof declared === 'string' ? declared : ctor.name
    const probe = new ctor()
    const info: PluginInfo = {className, type: kindOf(probe), version: safeVersion(probe), ctor}
    this.infos.push(info)
    const simple = className.replace(/^.*\./, '')
    for (const n of new Set([className, simple, simple.replace(/Connector$/, ''), ctor.name, ...aliases])) if (n) this.byName.set(n, info)
  }

  find(connectorClass: string): PluginInfo {
    const info = this.byName.get(connectorClass.trim())
    if (info) return info
    throw new ConnectConfigError(`Failed to find any class that implements Connector and which name matches ${connectorClass}`, {
      hint: `available: ${this.infos.map((i) => i.className).join(', ')}; a connector of your own is a JavaScript module on plugin.path`,
    })
  }

  /** A transform class by name (Kafka's, or one exported from a plugin.path module), or null. */
  transformation(name: string): TransformationClass | null {
    return this.transforms.get(name.trim()) ?? null
  }

  predicate(name: string): PredicateClass | null {
    return this.predicates.get(name.trim()) ?? null
  }

  list(): PluginInfo[] {
    return [...this.infos]
  }
}

function isConnectorClass(v: unknown): v is ConnectorClass {
  if (typeof v !== 'function' || !v.prototype) return false
  const proto = v.prototype as Record<string, unknown>
  return typeof proto.taskClass === 'function' && typeof proto.taskConfigs === 'function' && typeof proto.start === 'function'
}

/** Source or sink: by class when it extends ours, else by what its tasks do (a module may carry its own copy of logpipe). */
export function kindOf(connector: Connector): ConnectorKind {
  if (connector instanceof SourceConnector) return 'source'
  if (connector instanceof SinkConnector) return 'sink'
  const task = connector.taskClass()?.prototype as Record<string, unknown> | undefined
  if (typeof task?.poll === 'function') return 'source'
  if (typeof task?.put === 'function') return 'sink'
  throw new ConnectConfigError(`${connector.constructor.name}: its task class has neither poll() (a source) nor put() (a sink)`)
}

function safeVersion(c: Connector): string {
  try {
    return typeof c.version === 'function' ? String(c.version()) : '0.0.0'
  } catch {
    return '0.0.0'
  }
}

function packageMain(dir: string): string | null {
  const pkg = join(dir, 'package.json')
  if (existsSync(pkg)) {
    try {
      const main = (JSON.parse(readFileSync(pkg, 'utf8')) as {main?: unknown}).main
      if (typeof main === 'string' && existsSync(join(dir, main))) return join(dir, main)
    } catch {
      throw new ConnectConfigError(`plugin.path: ${pkg} is not valid JSON`)
    }
  }
  for (const name of ['index.js', 'index.mjs']) if (existsSync(join(dir, name))) return join(dir, name)
  return null
}
