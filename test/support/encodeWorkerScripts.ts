/**
 * What the encoding-worker scripts share (encodeWorkerCrash.ts, encodeWorkerExit.ts; each run as
 * its own process by test/offThreadEncoder.test.ts, the worker being one a process): a batch large
 * enough for the worker, and an encoder whose worker a first batch has started.
 */
import { createOffThreadEncoder, type OffThreadEncoder } from '../../src/otlp/offThreadEncoder.js';
import { encodeBatch } from '../../src/otlp/otlpGrpcSink.js';
import type { Sample } from '../../src/sample.js';

const attrs = Array.from({ length: 7 }, (_, k) => ({ cpu: String(k) }));
/** 500 samples over 7 series. */
export const batch: Sample[] = Array.from({ length: 500 }, (_, i) => ({ name: 'cpu', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: attrs[i % 7]! }));
/** The batch encoded in place: what the worker must answer too. */
export const expected = encodeBatch(batch, {});

/** An encoder whose worker a first batch (encoded in place meanwhile) started, waited for up to 15 s; `ready`: whether it answered. */
export const startedEncoder = async (): Promise<{ encoder: OffThreadEncoder; ready: boolean }> => {
  const encoder = createOffThreadEncoder({ resource: {}, scope: undefined, encodeInPlace: (b) => encodeBatch(b, {}) });
  encoder.encode(batch, () => undefined);
  for (let i = 0; i < 3000 && !encoder.workerReady; i++) await new Promise((r) => setTimeout(r, 5));
  return { encoder, ready: encoder.workerReady };
};
