import { Observable, type Observer, type OperatorFunction } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { Either } from 'fp-ts/lib/Either.js';
import type { DeadLetter } from '../src/routed.js';

export type DeadLetterSink<A> = Partial<Observer<DeadLetter<A>>> | ((letter: DeadLetter<A>) => void);

/**
 * Takes the dead letters out of a Routed stream (or of deliverOrdered's results, whose Lefts are
 * dead letters of samples and Rights are deliveries): each Left goes to `sink` synchronously, in stream
 * order; each Right continues as its plain value. Like `tap`, an Observer sink also hears the
 * stream's error and completion.
 *
 * ```
 * source: a-L-b-M-|        (L, M are Lefts)
 * result: a---b---|
 * sink:   --L---M-|
 * ```
 *
 * @example
 * routed$.pipe(splitDeadLetters((dl) => deadLetterFile.append(dl)), batchSamples())
 */
export function splitDeadLetters<A, L = A>(sink: DeadLetterSink<L>): OperatorFunction<Either<DeadLetter<L>, A>, A> {
  const observer: Partial<Observer<DeadLetter<L>>> = typeof sink === 'function' ? { next: sink } : sink;
  return (source) =>
    new Observable<A>((subscriber) =>
      source.subscribe({
        next: (item) => {
          if (!isLeft(item)) {
            subscriber.next(item.right);
            return;
          }
          try {
            observer.next?.(item.left);
          } catch (e) {
            subscriber.error(e);
          }
        },
        error: (e: unknown) => {
          observer.error?.(e);
          subscriber.error(e);
        },
        complete: () => {
          observer.complete?.();
          subscriber.complete();
        },
      }),
    );
}
