/**
 * The `chronoq` command: run, validate, replay, inspect. Config mistakes are printed as path, expected,
 * found and a hint (JSON log lines under --log-format json), with exit code 2 and no stack trace.
 */
import { stringify } from 'yaml';
import { isLeft } from 'fp-ts/lib/Either.js';
import { systemClock, platformTimers } from '../clock.js';
import { type ConfigError, closestKey, formatConfigError } from '../config/errors.js';
import { maskSecrets } from '../config/resolve.js';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { createLogger, createTerminalLines, diagToLog, grpcLogToLog, processWarningsToLog, type LogFormat, type Logger } from './log.js';
import { setLogger as setGrpcLogger } from '@grpc/grpc-js';
import { loadConfig } from './loadConfig.js';
import { unusedSettings } from '../config/unusedSettings.js';
import { runCommand } from './run.js';
import { replayCommand } from './replay.js';
import { inspectCommand } from './inspect.js';
import { VERSION } from '../version.js';
import { createSink } from '../sinks.js';
import { fileReadOrder, readOrderLine } from './build.js';


export const HELP = `chronoq ${VERSION} — deliver metric samples to OpenTelemetry with their original timestamps, in order

Usage:
  chronoq run [config.yaml]          run the pipeline (default: host metrics every 10 s → OTLP localhost:4317)
  chronoq validate config.yaml       check a config; print it resolved, secrets masked
  chronoq replay dead-letters.ndjson [--config config.yaml]
                                     send dead-lettered samples again, original timestamps kept
                                     (- reads them from stdin)
  chronoq inspect chronoq-spool.db [--json]
                                     samples waiting in a spool, per lane
  chronoq inspect dead-letters.ndjson [--json]
                                     dead letters per reason, kind of detail and metric
                                     (- reads them from stdin)

Options:
  --quiet, -q              no status line
  --fail-on-dead-letters   run: exit code 3 when any sample became a dead letter (a batch job's
                           check that everything arrived; by default dead letters are accounted
                           for and the exit code is 0)
  --log-format text|json   log lines as text (default) or JSON
  --help, -h               this help
  --version, -V            the version

Config: YAML; \${VAR} and \${VAR:-default} are taken from the environment (\$\${ is a literal \${);
OTEL_EXPORTER_OTLP_*, OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME are honoured.
Every key at its default, with what it does: examples/reference.yaml (in the package).
`;

interface Args {
  command?: string;
  positional: string[];
  quiet: boolean;
  failOnDeadLetters: boolean;
  logFormat: LogFormat;
  config?: string;
  help: boolean;
  version: boolean;
  json: boolean;
  errors: string[];
}

export const parseArgs = (argv: readonly string[]): Args => {
  const a: Args = { positional: [], quiet: false, failOnDeadLetters: false, logFormat: 'text', help: false, version: false, json: false, errors: [] };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--help' || x === '-h') a.help = true;
    else if (x === '--version' || x === '-V') a.version = true;
    else if (x === '--quiet' || x === '-q') a.quiet = true;
    else if (x === '--fail-on-dead-letters') a.failOnDeadLetters = true;
    else if (x === '--json') a.json = true;
    else if (x === '--log-format' || x.startsWith('--log-format=')) {
      const v = x.includes('=') ? x.split('=')[1] : argv[++i];
      if (v === 'text' || v === 'json') a.logFormat = v;
      else a.errors.push(`--log-format: expected text or json, found ${v ?? 'nothing'}`);
    } else if (x === '--config' || x.startsWith('--config=')) {
      const v = x.includes('=') ? x.split('=')[1] : argv[++i];
      if (v) a.config = v;
      else a.errors.push('--config: expected a file name');
    } else if (x.startsWith('-') && x !== '-') a.errors.push(`unknown option ${x} (see --help)`); // '-' alone is stdin
    else if (a.command === undefined) a.command = x;
    else a.positional.push(x);
  }
  return a;
};

const COMMANDS = ['run', 'validate', 'replay', 'inspect'] as const;

/**
 * What is wrong with the files and options given to the command, or undefined. A second file was
 * ignored without a word (`chronoq run a.yaml b.yaml` ran a.yaml alone; `chronoq replay x y`
 * replayed x), and so were `--config` beside run's own config file and another command's option.
 */
export const argumentProblem = (a: { readonly command?: string; readonly positional: readonly string[]; readonly config?: string; readonly json?: boolean; readonly failOnDeadLetters?: boolean }): string | undefined => {
  const files = a.positional;
  // Options another command takes, ignored here without a word (`run c.yaml --json` logged text).
  if (a.json === true && a.command !== undefined && a.command !== 'inspect') return `${a.command}: --json is inspect's (for log lines as JSON: --log-format json)`;
  if (a.failOnDeadLetters === true && a.command !== undefined && a.command !== 'run') {
    return `${a.command}: --fail-on-dead-letters is run's${a.command === 'replay' ? ' (replay exits 1 whenever a sample becomes a dead letter again)' : ''}`;
  }
  if (a.config !== undefined && a.command === 'inspect') return 'inspect: --config is for run, validate and replay (inspect reads the file it is given)';
  const listed = `${files.length} (${files.join(', ')})`;
  switch (a.command) {
    case 'run':
      if (files.length > 1) return `run: one config file, found ${listed}`;
      if (files.length === 1 && a.config !== undefined) return `run: two config files, ${files[0]} and --config ${a.config}: give one`;
      return undefined;
    case 'validate':
      if (files.length > 1) return `validate: one config file, found ${listed}: validate each on its own`;
      if (files.length === 1 && a.config !== undefined) return `validate: two config files, ${files[0]} and --config ${a.config}: give one`;
      return undefined;
    case 'replay':
      return files.length > 1 ? `replay: one dead-letter file, found ${listed}: to replay several, oldest first, cat ${files.join(' ')} | chronoq replay -${a.config !== undefined ? ` --config ${a.config}` : ''}` : undefined;
    case 'inspect':
      return files.length > 1 ? `inspect: one file, found ${listed}: inspect each on its own` : undefined;
    default:
      return undefined;
  }
};

/** How long a finished run may take to exit by itself before it is made to. */
export const EXIT_GRACE_MS = 2_000;

/**
 * A finished run or replay (every sample accounted for, files closed) exits with `code` even if
 * something still holds the process open: grpc-js cannot cancel a TLS handshake in progress, so a
 * receiver that accepted the connection and never answered it (a hung collector) kept the process
 * alive for good after its done line — under systemd until the stop timeout's SIGKILL.
 */
const exitEvenIfHeldOpen = (code: number, log: Logger): number => {
  platformTimers.afterIfAlive(EXIT_GRACE_MS, () => {
    log('warn', `still held open ${EXIT_GRACE_MS} ms after the end (a connection the receiver never answered, such as a TLS handshake): exiting with code ${code}`);
    process.exit(code);
  });
  return code;
};

export const main = async (argv: readonly string[]): Promise<number> => {
  // A closed pipe (chronoq validate … | head) ends output quietly, not with an EPIPE trace — unless
  // standard output is a run's sink, which listens too and accounts for what it could not write.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' && process.stdout.listenerCount('error') === 1 ? process.exit(0) : undefined));
  // A log nobody can read any more (the terminal closed, the reader of a piped stderr gone) must
  // not stop a run: its error ended the process on the spot, with the samples in memory. Lines are
  // dropped; the dead-letter file and the spool still account for every sample.
  process.stderr.on('error', () => undefined);
  const a = parseArgs(argv);
  // On a terminal, log lines go above run's status line (createTerminalLines).
  const terminal = createTerminalLines((s) => process.stderr.write(s), () => process.stderr.columns);
  const log = createLogger(a.logFormat, systemClock, terminal.write);
  diag.setLogger(diagToLog(log), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  setGrpcLogger(grpcLogToLog(log, systemClock));
  processWarningsToLog(log);
  const out = (s: string) => process.stdout.write(s);
  if (a.help) return out(HELP), 0;
  if (a.version) return out(`${VERSION}\n`), 0;
  if (a.errors.length) return a.errors.forEach((e) => log('error', e)), 2;
  const problem = argumentProblem(a);
  if (problem !== undefined) return log('error', `${problem} (see --help)`), 2;
  // Plain lines for a person; under --log-format json each is a log line with its parts as fields
  // (they were plain text in the middle of a JSON stream, which a log shipper cannot parse).
  const configErrors = (errors: readonly ConfigError[]) => {
    for (const e of errors) {
      const line = `config error: ${formatConfigError(e)}`;
      if (a.logFormat === 'json') log('error', line, { ...e });
      else process.stderr.write(`${line}\n`);
    }
    return 2;
  };
  const warn = (line: string): void => log('warn', line);
  switch (a.command) {
    case 'validate': {
      // --config as run takes it: `chronoq validate --config c.yaml` asked which file.
      const file = a.positional[0] ?? a.config;
      if (!file) return log('error', 'validate: which config file? (chronoq validate config.yaml)'), 2;
      const c = loadConfig(file, process.env, warn);
      if (isLeft(c)) return configErrors(c.left);
      for (const line of unusedSettings(c.right)) log('warn', line);
      out(stringify(maskSecrets(c.right)));
      // What `run` would warn of at its start (an OTLP/HTTP protocol variable, an endpoint without
      // a port) is said here too: the config is valid, and probably not what was meant.
      const sink = createSink(c.right.sink, c.right.resource, systemClock);
      // The endpoint, headers, compression and timeout can come from OTEL_EXPORTER_OTLP_*, which
      // the config above does not show: a run's connection was not to be seen before it ran.
      if (sink.effective !== undefined) {
        out(`# the sink uses (its options over OTEL_EXPORTER_OTLP_*, over the defaults):\n${stringify(sink.effective, { lineWidth: 0 }).trimEnd().split('\n').map((l) => `#   ${l}`).join('\n')}\n`);
      }
      for (const warning of sink.startWarnings ?? []) log('warn', warning);
      sink.close();
      // Which file a run reads first (filesInTurn.ts), as its start will say it.
      const order = readOrderLine(fileReadOrder(c.right));
      if (order !== undefined) out(`# ${order}\n`);
      return 0;
    }
    case 'run': {
      const c = loadConfig(a.positional[0] ?? a.config, process.env, warn);
      if (isLeft(c)) return configErrors(c.left);
      return exitEvenIfHeldOpen(await runCommand(c.right, { quiet: a.quiet, failOnDeadLetters: a.failOnDeadLetters, log, statusLine: terminal.status }), log);
    }
    case 'replay': {
      if (!a.positional[0]) return log('error', 'replay: which dead-letter file? (chronoq replay dead-letters.ndjson)'), 2;
      const c = loadConfig(a.config, process.env, warn);
      if (isLeft(c)) return configErrors(c.left);
      return exitEvenIfHeldOpen(await replayCommand(a.positional[0], c.right, log), log);
    }
    case 'inspect': {
      if (!a.positional[0]) return log('error', 'inspect: which file? (chronoq inspect chronoq-spool.db, or a dead-letter file)'), 2;
      return await inspectCommand(a.positional[0], a.json, log, out);
    }
    case 'help':
      return out(HELP), 0;
    case undefined:
      return out(HELP), 2;
    default: {
      const meant = closestKey(a.command, COMMANDS);
      return log('error', `unknown command ${a.command} (${meant !== undefined ? `did you mean ${meant}? ` : ''}run, validate, replay or inspect; see --help)`), 2;
    }
  }
};
