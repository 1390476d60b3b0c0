/** CLI logging to stderr, as text lines or JSON lines. */
import type { Clock } from '../clock.js';

export type LogFormat = 'text' | 'json';
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  (level: Level, message: string, fields?: Record<string, unknown>): void;
}

export const createLogger = (format: LogFormat, clock: Clock, write: (s: string) => void = (s) => process.stderr.write(s)): Logger =>
  (level, message, fields = {}) => {
    const time = new Date(clock.now()).toISOString();
    if (format === 'json') write(`${JSON.stringify({ time, level, message, ...fields }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
    else write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ''}\n`);
  };
