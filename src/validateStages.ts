/**
 * The pipeline's two checks of a sample's shape (src/pipeline.ts), as operators: everything but
 * the start time's order when a sample comes in, and that order after detectClockSkew — a local
 * clock stepped back leaves the samples stamped after the step behind their start time (a
 * counter's, stamped before it) until the step is corrected: checked before, 110 of 304 host
 * samples were dead letters `invalid` after one.
 */
import { type OperatorFunction, map } from 'rxjs';
import { isLeft, left, right } from 'fp-ts/lib/Either.js';
import { type Sample, validateSample, startOrderProblem } from './sample.js';
import { type Routed, toDeadLetter } from './routed.js';
import type { Clock } from './clock.js';

/** A sample, or a Left `invalid` saying what is wrong with it (its start time's order aside). */
export const validated = (clock: Clock): OperatorFunction<Sample, Routed<Sample>> =>
  map((x) => {
    const v = validateSample(x, { startOrder: false });
    return isLeft(v) ? left(toDeadLetter('invalid', x, v.left, clock.now())) : right(x);
  });

/** A Right whose start time is after its time becomes a Left `invalid`. */
export const startInOrder = (clock: Clock): OperatorFunction<Routed<Sample>, Routed<Sample>> =>
  map((r) => {
    if (isLeft(r)) return r;
    const problem = startOrderProblem(r.right);
    return problem === undefined ? r : left(toDeadLetter('invalid', r.right, problem, clock.now()));
  });
