/**
 * What a shutdown of createPipeline's pipeline leaves behind: nothing. An application that makes
 * a pipeline per job (or per test) must not gather open files and timers with each one.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { isLeft } from 'fp-ts/lib/Either.js';
import { createPipeline } from '../src/otel/createPipeline.js';
import { platformTimers } from '../src/clock.js';
import { sleep, tempDir } from './support/cli.js';
import { openFiles } from './support/openFiles.js';

const test = suite('createPipeline shutdown');

/** The files this process holds open under `dir`. */
const openUnder = (dir: string): string[] => openFiles().filter((target) => target.startsWith(dir));

test('after a shutdown no file under its paths is open (the dead-letter file is kept open while it runs) and the alert checks have stopped', async () => {
  if (process.platform !== 'linux') return; // /proc/self/fd
  const dir = tempDir();
  const every = platformTimers.every;
  const checks: { cancelled: boolean }[] = [];
  platformTimers.every = (ms, fn) => {
    const timer = every(ms, fn);
    const check = { cancelled: false };
    checks.push(check);
    return { cancel: () => ((check.cancelled = true), timer.cancel()) };
  };
  try {
    const h = createPipeline({
      sink: { type: 'ndjson', path: join(dir, 'out.ndjson') }, reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'dead.ndjson') },
      telemetry: { alerts: { deadLettersPerMinute: 100 } },
    });
    if (isLeft(h)) throw new Error(JSON.stringify(h.left));
    h.right.push({ name: 'ok', kind: 'gauge', value: 1, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} });
    h.right.push({ name: 'bad', kind: 'meter' as never, value: 2, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} });
    await h.right.flush();
    await sleep(10); // the dead letter's write (a microtask) and the sink's
    assert.ok(openUnder(dir).includes(join(dir, 'dead.ndjson')), 'the dead-letter file is kept open while it runs');
    assert.ok(checks.length > 0 && checks.every((c) => !c.cancelled), 'the alerts are checked while it runs');
    await h.right.shutdown();
    assert.equal(openUnder(dir), [], 'nothing open after the shutdown');
    assert.ok(checks.every((c) => c.cancelled), 'no alert check after the shutdown');
  } finally {
    platformTimers.every = every;
  }
});

test.run();
