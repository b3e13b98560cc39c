/**
 * The broker's log: one line per notable event (started, listening, led a
 * partition, dropped a connection, stopping), written by whoever runs the
 * broker (the CLI writes them to stderr). Levels as log4j's, the least
 * severe shown chosen by `--log-level`.
 */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface BrokerLog {
  error(message: string): void
  warn(message: string): void
  info(message: string): void
  debug(message: string): void
  enabled(level: LogLevel): boolean
}

export function createBrokerLog(level: LogLevel, write: (line: string) => void, now: () => number = Date.now): BrokerLog {
  const limit = LOG_LEVELS.indexOf(level)
  const at = (l: LogLevel) => {
    const shown = LOG_LEVELS.indexOf(l) <= limit
    // A message never spans lines: one event, one line, whatever a client sent.
    return shown ? (message: string) => write(`${new Date(now()).toISOString()} ${l.toUpperCase()} ${message.replace(/[\r\n]+/g, ' ')}\n`) : () => {}
  }
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    enabled: (l) => LOG_LEVELS.indexOf(l) <= limit,
  }
}

/** A log that drops everything (library use, tests that do not look). */
export const silentLog: BrokerLog = createBrokerLog('error', () => {})
