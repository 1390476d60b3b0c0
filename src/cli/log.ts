/** CLI logging to stderr, as text lines or JSON lines. */
import type { DiagLogger } from '@opentelemetry/api';
import type { Clock } from '../clock.js';

export type LogFormat = 'text' | 'json';
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  /**
   * `jsonFields`: fields for JSON lines only, where the text line already says them in words (the
   * status line's figures): a log pipeline reads them without parsing the message.
   */
  (level: Level, message: string, fields?: Record<string, unknown>, jsonFields?: Record<string, unknown>): void;
}

export const createLogger = (format: LogFormat, clock: Clock, write: (s: string) => void = (s) => process.stderr.write(s)): Logger =>
  (level, message, fields = {}, jsonFields = {}) => {
    const time = new Date(clock.now()).toISOString();
    if (format === 'json') write(`${JSON.stringify({ time, level, message, ...fields, ...jsonFields }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
    else write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ''}\n`);
  };

/** The refreshing status line on a terminal, under the log lines. */
export interface StatusLine {
  /** Draws `line` in place of the status line shown. */
  show(line: string): void;
  /** Ends the status line where it is (its last state stays on screen). */
  end(): void;
}

/**
 * Standard error on a terminal, with `chronoq run`'s status line: that line has no line end (it is
 * redrawn in place each second), so a log line written while it showed was glued onto its end
 * ("…dead letters: none2026-12-02T19:39:01Z INFO delivery … works again"). Log lines go through
 * `write`, which clears the status line, writes the log line, and draws the status line again
 * below it. A status line wider than the terminal (`columns`) wraps onto further rows; clearing
 * goes back up over all of them — it cleared the last row only, and on an 80-column terminal
 * every redraw left the rest of the line behind, a new stale row every second.
 */
export const createTerminalLines = (out: (s: string) => void, columns: () => number | undefined = () => undefined): { write: (s: string) => void; status: StatusLine } => {
  let shown = '';
  /** Rows the shown status line takes on the terminal. */
  let rows = 0;
  const rowsOf = (line: string): number => {
    const width = columns();
    return width !== undefined && width > 0 ? Math.max(1, Math.ceil([...line].length / width)) : 1;
  };
  /** Back to the start of the status line's first row, clearing it and what is below. */
  const clear = (): string => (rows > 1 ? `\x1b[${rows - 1}A\r\x1b[J` : '\r\x1b[2K');
  return {
    write: (s) => {
      if (shown === '') return out(s);
      out(`${clear()}${s}${shown}`);
      rows = rowsOf(shown);
    },
    status: {
      show: (line) => {
        out(`${clear()}${line}`);
        shown = line;
        rows = rowsOf(line);
      },
      end: () => {
        if (shown !== '') out('\n');
        shown = '';
        rows = 0;
      },
    },
  };
};

/** Node's "Setting the TLS ServerName to an IP address is not permitted by RFC 6066". */
const TLS_SERVERNAME_IP = 'DEP0123';

/**
 * Node's own warnings (a dependency's DeprecationWarning, such as grpc-js's DEP0123 for TLS to an
 * IP address) as log lines `node: …`. Printed by Node, they were two lines of raw text in the
 * middle of a JSON log. Node's printer is a listener like any other: it is replaced.
 */
export const processWarningsToLog = (log: Logger): void => {
  process.removeAllListeners('warning');
  process.on('warning', (w: Error & { code?: string }) =>
    w.code === TLS_SERVERNAME_IP
      // Said at every TLS run against an address as a warning, about nothing the user can change
      // or should worry about: what it is, at info.
      ? log('info', `node: ${w.name} ${w.code}: ${w.message} (grpc-js gives the endpoint's IP address as the TLS server name; nothing to change: the connection is made all the same)`)
      : log('warn', `node: ${w.name}${w.code ? ` ${w.code}` : ''}: ${w.message}`));
};

/**
 * The OpenTelemetry packages' own warnings and errors (diag) as log lines: without it they are
 * silent — for instance that an OTEL_EXPORTER_OTLP_CERTIFICATE file could not be read, after which
 * the exporter conventions go on without it and every export fails its TLS handshake.
 */
export const diagToLog = (log: Logger): DiagLogger => {
  const line = (level: Level) => (message: string, ...args: unknown[]) =>
    log(level, `opentelemetry: ${[message, ...args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a)))].join(' ')}`);
  return { error: line('error'), warn: line('warn'), info: line('info'), debug: line('debug'), verbose: line('debug') };
};

/**
 * grpc-js's lines about a proxy variable it does not take, which the sink's start warning says
 * whole (proxyEnvWarnings: which variable, that the sink connects directly, what to write instead).
 */
const SAID_AT_START = [/^grpc-js: "[^"]*" scheme not supported in proxy URI$/, /^grpc-js: cannot parse value of "\w+" env var$/];

/** How long the same grpc-js line is not logged again: it says the same thing at every attempt. */
const GRPC_REPEAT_MS = 60_000;

/**
 * grpc-js's own log lines (its errors by default; more with GRPC_VERBOSITY and GRPC_TRACE) as log
 * lines: it wrote them to standard error as "E …", outside the log's format — a line a log shipper
 * reading --log-format json could not parse — and they are the only place some reasons appear:
 * why a proxy did not connect the sink ("Failed to connect to proxy … ECONNREFUSED"), where the
 * failed call says only "Last error: undefined". Its errors are warnings here, as failing delivery
 * is; the same line at most once a minute (it repeats at every attempt), its debug lines all.
 */
export const grpcLogToLog = (log: Logger, clock: Pick<Clock, 'monotonic'>): Partial<Console> => {
  const lastLoggedMs = new Map<string, number>();
  const line = (level: Level, dedupe: boolean) => (message: unknown, ...args: unknown[]) => {
    const text = `grpc-js: ${[message, ...args].map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ')}`;
    if (SAID_AT_START.some((re) => re.test(text))) return;
    const now = clock.monotonic();
    const last = lastLoggedMs.get(text);
    if (dedupe && last !== undefined && now - last < GRPC_REPEAT_MS) return;
    if (dedupe) {
      if (lastLoggedMs.size >= 100) lastLoggedMs.clear(); // texts that vary (addresses, times) do not pile up
      lastLoggedMs.set(text, now);
    }
    log(level, text);
  };
  return { error: line('warn', true), info: line('info', true), debug: line('debug', false) };
};
