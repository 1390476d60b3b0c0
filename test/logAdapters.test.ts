/**
 * What src/cli/log.ts makes of other loggers' lines and of a terminal: OpenTelemetry's diag lines
 * at their level with an error's message, Node's warnings with their code, grpc-js lines said once
 * a minute each (a hundred texts remembered), and the status line's rows as the terminal's width
 * changes and after it ended.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTerminalLines, diagToLog, grpcLogToLog, processWarningsToLog, type Logger } from '../src/cli/log.js';

const test = suite('log adapters');

/** A logger keeping `level message` lines. */
const kept = (): { log: Logger; lines: string[] } => {
  const lines: string[] = [];
  return { log: (level, message) => void lines.push(`${level} ${message}`), lines };
};

test("diag: each level as itself, an Error argument by its message", () => {
  const { log, lines } = kept();
  const diag = diagToLog(log);
  diag.error('export failed', new Error('14 UNAVAILABLE'));
  diag.warn('partial success', { rejected: 2 });
  diag.debug('details');
  assert.equal(lines, ['error opentelemetry: export failed 14 UNAVAILABLE', 'warn opentelemetry: partial success {"rejected":2}', 'debug opentelemetry: details']);
});

test("Node's warnings with their code (only ours are said: the default printer is taken off)", () => {
  const before = process.listeners('warning');
  const { log, lines } = kept();
  try {
    processWarningsToLog(log);
    assert.is(process.listeners('warning').length, 1);
    process.emit('warning', Object.assign(new Error('Buffer() is deprecated'), { name: 'DeprecationWarning', code: 'DEP0005' }));
    process.emit('warning', Object.assign(new Error('something else'), { name: 'Warning' }));
    assert.equal(lines, ['warn node: DeprecationWarning DEP0005: Buffer() is deprecated', 'warn node: Warning: something else']);
  } finally {
    process.removeAllListeners('warning');
    for (const l of before) process.on('warning', l);
  }
});

test('grpc-js: a line said again within a minute is not repeated, after it is; texts that alternate are each remembered', () => {
  const { log, lines } = kept();
  let nowMs = 0;
  const grpc = grpcLogToLog(log, { monotonic: () => nowMs });
  grpc.error!('connection to a refused');
  grpc.error!('connection to b refused');
  nowMs = 30_000;
  grpc.error!('connection to a refused');
  grpc.error!('connection to b refused');
  nowMs = 60_001;
  grpc.error!('connection to a refused');
  assert.equal(lines, ['warn grpc-js: connection to a refused', 'warn grpc-js: connection to b refused', 'warn grpc-js: connection to a refused']);
});

test("the status line's rows follow the terminal's width; after it ended, the next one clears only its own row", () => {
  let out = '';
  let columns = 100;
  const terminal = createTerminalLines((s) => void (out += s), () => columns);
  const status = 'x'.repeat(25);
  terminal.status.show(status);
  columns = 10; // the window narrowed: the line now takes 3 rows
  terminal.write('first\n');
  out = '';
  terminal.write('second\n');
  assert.is(out, `\x1b[2A\r\x1b[Jsecond\n${status}`, 'back up over the 3 rows it takes now');
  terminal.status.end();
  out = '';
  terminal.status.show('y');
  assert.is(out, '\r\x1b[2Ky', 'nothing above it to clear');
});

test.run();
