/**
 * kafkajs's logging: levels by number, and a logCreator that returns the
 * function every entry goes to. The default writes one JSON line per entry
 * to stderr, as kafkajs's does to the console.
 */
export const logLevel = {NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5} as const
export type LogLevel = (typeof logLevel)[keyof typeof logLevel]

export interface LogEntry {
  namespace: string
  level: LogLevel
  label: string
  log: {message: string; timestamp: string; logger: string; [key: string]: unknown}
}

export type LogCreator = (level: LogLevel) => (entry: LogEntry) => void

const LABELS: Record<number, string> = {1: 'ERROR', 2: 'WARN', 4: 'INFO', 5: 'DEBUG'}

export const defaultLogCreator: LogCreator = () => (entry) => {
  process.stderr.write(JSON.stringify({level: entry.label, ...entry.log}) + '\n')
}

export interface Logger {
  error(message: string, extra?: Record<string, unknown>): void
  warn(message: string, extra?: Record<string, unknown>): void
  info(message: string, extra?: Record<string, unknown>): void
  debug(message: string, extra?: Record<string, unknown>): void
  namespace(name: string): Logger
}

export function createLogger(level: LogLevel, creator: LogCreator, namespace = ''): Logger {
  const sink = creator(level)
  const at = (l: LogLevel) => (message: string, extra: Record<string, unknown> = {}) => {
    if (l > level || level === logLevel.NOTHING) return
    sink({namespace, level: l, label: LABELS[l], log: {timestamp: new Date().toISOString(), logger: 'logpipe', message, ...extra}})
  }
  return {
    error: at(logLevel.ERROR),
    warn: at(logLevel.WARN),
    info: at(logLevel.INFO),
    debug: at(logLevel.DEBUG),
    namespace: (name) => createLogger(level, creator, name),
  }
}
