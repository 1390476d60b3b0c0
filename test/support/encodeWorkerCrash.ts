/**
 * Run as its own process by test/offThreadEncoder.test.ts: the encoding worker dies (terminated
 * from outside, as a crash) while a batch waits at it; prints what became of that batch and of
 * the next one as one JSON line. Its own process because the worker is shared process-wide and
 * stays given up once it has died.
 */
import { createOffThreadEncoder, encodingWorkerForTests } from '../../src/otlp/offThreadEncoder.js';
import { encodeBatch } from '../../src/otlp/otlpGrpcSink.js';
import type { Sample } from '../../src/sample.js';

const attrs = Array.from({ length: 7 }, (_, k) => ({ cpu: String(k) }));
const batch: Sample[] = Array.from({ length: 500 }, (_, i) => ({ name: 'cpu', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: attrs[i % 7]! }));
const expected = encodeBatch(batch, {});
const encoder = createOffThreadEncoder({ resource: {}, scope: undefined, encodeInPlace: (b) => encodeBatch(b, {}) });
encoder.encode(batch, () => undefined); // starts the worker
for (let i = 0; i < 3000 && !encoder.workerReady; i++) await new Promise((r) => setTimeout(r, 5));
const readyBefore = encoder.workerReady;
const first = await new Promise<{ sameBytes: boolean; error?: string; syncCall: boolean }>((resolve) => {
  let returned = false;
  encoder.encode(batch, (e, bytes) => resolve({ sameBytes: bytes !== undefined && bytes.equals(expected), ...(e ? { error: String(e) } : {}), syncCall: !returned }));
  returned = true;
  void encodingWorkerForTests()?.terminate();
});
let afterSync = false;
let afterSame = false;
encoder.encode(batch, (_e, bytes) => {
  afterSync = true;
  afterSame = bytes !== undefined && bytes.equals(expected);
});
console.log(JSON.stringify({ readyBefore, first, after: { sync: afterSync, sameBytes: afterSame }, readyAfter: encoder.workerReady }));
encoder.close();
