/**
 * The README's example, typechecked by `npm test`: operators composed over a Subject of samples.
 *   npx tsx examples/compose.ts   (needs a collector on localhost:4317, else the samples wait)
 */
import { Subject } from 'rxjs';
import {
  routed, detectClockSkew, reorderByEventTime, fillStartTimes, deliverOrdered, splitDeadLetters, otlpGrpcSink, type Sample,
} from '../src/index.js';

const sink = otlpGrpcSink({ endpoint: 'http://localhost:4317', resource: { 'service.name': 'my-app' } });
const samples$ = new Subject<Sample>();
samples$
  .pipe(
    routed(), // Sample → Right<Sample>
    detectClockSkew({ onSkew: (e) => console.warn('skew', e) }),
    reorderByEventTime({ maxDelayMs: 2_000 }), // repairs up to 2 s of disorder
    fillStartTimes(), // a counter without a start: its series' first time
    deliverOrdered(sink.send, { lanes: 4, retry: { maxDelayMs: 30_000 } }),
    splitDeadLetters((dl) => console.error('dead letter', dl.reason, dl.detail)),
  )
  .subscribe((delivered) => console.log(`${delivered.samples.length} samples in ${delivered.attempts} attempt(s)`));

samples$.next({
  name: 'system.cpu.utilization', kind: 'gauge', value: 0.5,
  timeUnixNano: BigInt(Date.now()) * 1_000_000n, attributes: { cpu: 'cpu0', state: 'user' }, // collected now
});
samples$.complete();
