/**
 * Namespaced loggers: a message plus a context object. Human-readable on a terminal, one JSON
 * object per line when FICUS_LOG_FORMAT=json (for log shippers). FICUS_LOG_LEVEL filters.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = Record<
  LogLevel,
  (message: string, context?: Record<string, unknown>) => void
> & {
  child(namespace: string): Logger;
};

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const level = (process.env.FICUS_LOG_LEVEL ?? 'info') as LogLevel;
  return ORDER[level] ?? ORDER.info;
}

export function createLogger(
  namespace: string,
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Logger {
  const json = process.env.FICUS_LOG_FORMAT === 'json';
  const log =
    (level: LogLevel) =>
    (message: string, context: Record<string, unknown> = {}) => {
      if (ORDER[level] < threshold()) return;
      if (json) {
        write(
          JSON.stringify({ time: new Date().toISOString(), level, namespace, message, ...context }),
        );
        return;
      }
      const extra = Object.keys(context).length ? ' ' + JSON.stringify(context) : '';
      write(`${new Date().toISOString()} ${level.padEnd(5)} [${namespace}] ${message}${extra}`);
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (sub: string) => createLogger(`${namespace}:${sub}`, write),
  };
}
