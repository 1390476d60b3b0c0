/**
 * A dead-letter file's line read back: the letter, its sample restored (bigints included), or why
 * it cannot be sent again (`chronoq replay`).
 */
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js';
import type { Sample } from './sample.js';
import type { DeadLetter } from './routed.js';
import { parseJson, sampleFromJson } from './sampleJson.js';

/**
 * The letter's item, with the value an earlier chronoq wrote as null: a gauge that was NaN or
 * ±Infinity became a letter `invalid` ("value must be a finite number, got NaN") whose value
 * JSON.stringify wrote null. The detail keeps what it was, so that such letters replay now.
 */
const withValueBefore = (d: Record<string, unknown>): unknown => {
  const item = d['item'] as Record<string, unknown> | null;
  if (d['reason'] !== 'invalid' || typeof item !== 'object' || item === null || item['value'] !== null || typeof d['detail'] !== 'string') return item;
  const was = /value must be a finite number, got (NaN|-?Infinity)$/.exec(d['detail']);
  return was === null ? item : { ...item, value: was[1] };
};

/** One dead-letter line → the dead letter with its sample restored (bigints included). */
export const parseDeadLetterLine = (line: string): Either<string, DeadLetter<Sample>> => {
  const parsed = parseJson(line);
  if (isLeft(parsed)) return parsed;
  const d = parsed.right as Record<string, unknown>;
  if (typeof d !== 'object' || d === null || typeof d['reason'] !== 'string') return left('not a dead letter (no reason)');
  const item = sampleFromJson(withValueBefore(d));
  if (isLeft(item)) {
    // An input line that never was a sample (the ndjson source's `invalid` letters): say which.
    const raw = d['item'] as Record<string, unknown> | null;
    if (d['reason'] === 'invalid' && typeof raw === 'object' && raw !== null && typeof raw['text'] === 'string' && raw['line'] !== undefined) {
      return left(`it records input line ${String(raw['line'])} of ${String(raw['source'])}, which was not a sample (${String(raw['reason'])}): correct that line and feed it again`);
    }
    // Points an otlp source refused (told to their sender as partial success): the letter holds why, not them.
    if (d['reason'] === 'invalid' && typeof raw === 'object' && raw !== null && typeof raw['peer'] === 'string' && String(raw['source']).startsWith('otlp')) {
      return left(`it records points that ${String(raw['source'])} refused from ${raw['peer']} (${String(raw['reason'])}), which the letter does not hold: their sender was told so, in the answer's partial success`);
    }
    return left(`its item is not a sample: ${item.left}`);
  }
  return right({ ...(d as unknown as DeadLetter<Sample>), item: item.right });
};
