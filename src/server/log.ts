/**
 * Server log lines in the origin's words and shapes: the dev text format
 * `%(asctime)s %(levelname)s %(name)s %(message)s` (with the `extra` fields appended, which the
 * origin's dev format drops), or python-json-logger style JSON lines.
 */
import { pythonAscTime } from './python-format.js';
import type { LogOptions } from './options.js';

type Level = 'DEBUG' | 'INFO' | 'WARNING';
const RANK = { debug: 10, info: 20, warning: 30, off: 100 } as const;
const LEVEL_RANK: Record<Level, number> = { DEBUG: 10, INFO: 20, WARNING: 30 };

export interface Logger {
  /** True when lines of this level are written (lets hot paths skip building them). */
  enabled(level: Level): boolean;
  log(level: Level, message: string, extra?: Record<string, unknown>): void;
}

export function createLogger(options: LogOptions): Logger {
  const stream = options.stream ?? process.stderr;
  const threshold = RANK[options.level];
  const enabled = (level: Level): boolean => LEVEL_RANK[level] >= threshold;
  return {
    enabled,
    log(level, message, extra = {}) {
      if (!enabled(level)) return;
      const asctime = pythonAscTime();
      if (options.format === 'json') {
        stream.write(`${JSON.stringify({ asctime, levelname: level, name: 'api.main', message, ...extra })}\n`);
        return;
      }
      const fields = Object.entries(extra)
        .map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join('');
      stream.write(`${asctime} ${level} api.main ${message}${fields}\n`);
    },
  };
}
