/**
 * Run as its own process by test/offThreadEncoder.test.ts: a sink whose encoding worker has
 * started, then (argument) `idle` — no batch sent to it —, `answered` — one batch encoded by it
 * and answered —, `cancelled` — one batch sent and its encoding cancelled at once (a delivery
 * given up) —, or `closed` — the sink closed with a batch at it (close() encodes it in place).
 * The script then ends, and the process must exit: a worker with no work left does not hold it
 * open. Prints {"ready":true} once the worker had started, and the batch's answer when there is one.
 */
import { batch, expected, startedEncoder } from './encodeWorkerScripts.js';

const { encoder, ready } = await startedEncoder();
const how = process.argv[2];
if (how === 'answered') {
  const sameBytes = await new Promise<boolean>((resolve) => encoder.encode(batch, (_e, bytes) => resolve(bytes?.equals(expected) === true)));
  console.log(JSON.stringify({ ready, sameBytes }));
} else {
  if (how === 'closed') (encoder.encode(batch, () => undefined), encoder.close());
  if (how === 'cancelled') encoder.encode(batch, () => undefined)();
  console.log(JSON.stringify({ ready }));
}
