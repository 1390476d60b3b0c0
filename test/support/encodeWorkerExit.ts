/**
 * Run as its own process by test/offThreadEncoder.test.ts: a sink whose encoding worker has
 * started, then (argument) `idle` — no batch sent to it —, `answered` — one batch encoded by it
 * and answered —, `cancelled` — one batch sent and its encoding cancelled at once (a delivery
 * given up) —, or `closed` — the sink closed with a batch at it (close() encodes it in place).
 * The script then ends, and the process must exit: a worker with no work left does not hold it
 * open. Prints {"ready":true} once the worker had started, and the batch's answer when there is one.
 */
import { createOffThreadEncoder } from '../../src/otlp/offThreadEncoder.js';
import { encodeBatch } from '../../src/otlp/otlpGrpcSink.js';
import type { Sample } from '../../src/sample.js';

const attrs = Array.from({ length: 7 }, (_, k) => ({ cpu: String(k) }));
const batch: Sample[] = Array.from({ length: 500 }, (_, i) => ({ name: 'cpu', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: attrs[i % 7]! }));
const encoder = createOffThreadEncoder({ resource: {}, scope: undefined, encodeInPlace: (b) => encodeBatch(b, {}) });
encoder.encode(batch, () => undefined); // starts the worker (this batch is encoded in place)
for (let i = 0; i < 3000 && !encoder.workerReady; i++) await new Promise((r) => setTimeout(r, 5));
const ready = encoder.workerReady;
const how = process.argv[2];
if (how === 'answered') {
  const sameBytes = await new Promise<boolean>((resolve) => encoder.encode(batch, (_e, bytes) => resolve(bytes?.equals(encodeBatch(batch, {})) === true)));
  console.log(JSON.stringify({ ready, sameBytes }));
} else {
  if (how === 'closed') (encoder.encode(batch, () => undefined), encoder.close());
  if (how === 'cancelled') encoder.encode(batch, () => undefined)();
  console.log(JSON.stringify({ ready }));
}
