/**
 * Run as its own process by test/offThreadEncoder.test.ts: a sink closes with a batch at the
 * encoding worker (close() encodes it in place) and the script ends. The process must then exit:
 * a worker with no work left does not hold it open. Prints {"closed":true} once the worker had
 * started and the sink closed.
 */
import { createOffThreadEncoder } from '../../src/otlp/offThreadEncoder.js';
import { encodeBatch } from '../../src/otlp/otlpGrpcSink.js';
import type { Sample } from '../../src/sample.js';

const attrs = Array.from({ length: 7 }, (_, k) => ({ cpu: String(k) }));
const batch: Sample[] = Array.from({ length: 500 }, (_, i) => ({ name: 'cpu', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: attrs[i % 7]! }));
const encoder = createOffThreadEncoder({ resource: {}, scope: undefined, encodeInPlace: (b) => encodeBatch(b, {}) });
encoder.encode(batch, () => undefined); // starts the worker
for (let i = 0; i < 3000 && !encoder.workerReady; i++) await new Promise((r) => setTimeout(r, 5));
const ready = encoder.workerReady;
encoder.encode(batch, () => undefined);
encoder.close();
console.log(JSON.stringify({ closed: ready }));
