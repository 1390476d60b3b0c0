/**
 * Run as its own process by test/offThreadEncoder.test.ts: the encoding worker dies while a batch
 * waits at it — terminated from outside, as a crash (argument `terminate`, the default), or by an
 * exception it does not catch (`throw`: a message its handler cannot read) — and this prints what
 * became of that batch and of the next one as one JSON line, and whether a worker is started again
 * later. Its own process because the worker is shared process-wide and stays given up once it has died.
 */
import { encodingWorkerForTests } from '../../src/otlp/offThreadEncoder.js';
import { batch, expected, startedEncoder } from './encodeWorkerScripts.js';

const { encoder, ready: readyBefore } = await startedEncoder();
const first = await new Promise<{ sameBytes: boolean; error?: string; syncCall: boolean }>((resolve) => {
  let returned = false;
  // Sent before the batch: the worker dies on it first (an uncaught TypeError: `'open' in 5`).
  if (process.argv[2] === 'throw') encodingWorkerForTests()?.postMessage(5);
  encoder.encode(batch, (e, bytes) => resolve({ sameBytes: bytes !== undefined && bytes.equals(expected), ...(e ? { error: String(e) } : {}), syncCall: !returned }));
  returned = true;
  if (process.argv[2] !== 'throw') void encodingWorkerForTests()?.terminate();
});
let afterSync = false;
let afterSame = false;
encoder.encode(batch, (_e, bytes) => {
  afterSync = true;
  afterSame = bytes !== undefined && bytes.equals(expected);
});
const readyAfter = encoder.workerReady;
// Given up for good: no worker is started again (one would be ready within these 3 s, as the first was).
for (let i = 0; i < 60 && !encoder.workerReady; i++) await new Promise((r) => setTimeout(r, 50));
console.log(JSON.stringify({ readyBefore, first, after: { sync: afterSync, sameBytes: afterSame }, readyAfter, readyLater: encoder.workerReady }));
encoder.close();
