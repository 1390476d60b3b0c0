/**
 * An attribute written in an NDJSON line as an integer past 2⁵³ — a 64-bit id (a Snowflake id, a
 * user or account number) — is read by JSON.parse as the nearest double: 12345678901234567890
 * became 12345678901234567000, another series at the receiver, without a word. OTLP's int
 * attribute is 64-bit, but a JavaScript number is not, so such a line is refused, with the string
 * to write instead. Lines chronoq wrote itself (spool, dead letters) hold numbers that read back
 * exactly, so this looks only at literals that do not.
 */
import type { Attributes, Sample } from './sample.js';
import { JSON_STRING, LONG_INTEGER } from './attributeJson.js';

/** A key (as its JSON string) and the decimal integer literal of 16 digits or more after it, or a string (skipped whole). */
const KEYED_LONG_INTEGER = new RegExp(String.raw`(${JSON_STRING})\s*:\s*${LONG_INTEGER}|${JSON_STRING}`, 'g');

const hasUnsafeInteger = (a: Attributes | undefined): boolean =>
  a !== undefined && Object.values(a).some((v) => typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v));

/** Why the line's sample has an attribute its JSON number could not hold exactly, or undefined. */
export const inexactAttribute = (line: string, s: Sample): string | undefined => {
  if (!hasUnsafeInteger(s.attributes) && !hasUnsafeInteger(s.resource)) return undefined;
  for (const [, key, literal] of line.matchAll(KEYED_LONG_INTEGER)) {
    if (key === undefined || literal === undefined) continue;
    const name = JSON.parse(key) as string;
    if (typeof s.attributes[name] !== 'number' && typeof s.resource?.[name] !== 'number') continue;
    const read = String(Number(literal));
    if (read === literal) continue;
    return `attribute ${name}: ${literal} is past the integers a JSON number holds exactly (2^53) and would be sent as ${read}, another series; write it as the string "${literal}"`;
  }
  return undefined;
};
