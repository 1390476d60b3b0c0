/**
 * Attribute values JSON has no number for. OpenTelemetry's attributes take any double, NaN and
 * ±Infinity too, and OTLP carries them (AnyValue double_value); JSON.stringify wrote them null, so
 * a sample whose attribute was NaN came back from the spool or the dead-letter file with a null
 * attribute — sent as an empty value, another series at the receiver than the same sample
 * delivered without a restart. Such a value (alone or in an array) is written as OTLP/JSON writes
 * an AnyValue that holds it, `{"doubleValue":"NaN"}` ("Infinity", "-Infinity"), an object no
 * attribute value is otherwise, and read back as the number.
 */
/** A JSON string literal, escapes and all (regex source): what a scan of JSON text passes over whole, so that nothing inside one is taken for a token. */
export const JSON_STRING = String.raw`"(?:[^"\\]|\\.)*"`;
/** An integer literal of 16 digits or more — past those a double holds exactly — before the token that ends it (regex source; group 1: the digits). */
export const LONG_INTEGER = String.raw`(-?\d{16,})(?=\s*[,}\]])`;

/** The doubles JSON has no number for, as OTLP/JSON (proto3's JSON mapping) writes them. */
export const NON_FINITE: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

const isNonFinite = (v: unknown): v is number => typeof v === 'number' && !Number.isFinite(v);

/** An object of names to values: not null, and not a list (a list's items would be attributes "0", "1", …). */
export const isAttributeSet = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How an attribute value that is NaN or ±Infinity is written; any other value as it is. */
export const attributeToJson = (v: unknown): unknown => (isNonFinite(v) ? { doubleValue: String(v) } : v);

/** `{"doubleValue":"NaN"}` (or "Infinity", "-Infinity") → that number; anything else as it is. */
const readBack = (v: unknown): unknown => {
  if (!isAttributeSet(v)) return v;
  const keys = Object.keys(v);
  const text = (v as { doubleValue?: unknown }).doubleValue;
  return keys.length === 1 && typeof text === 'string' && Object.hasOwn(NON_FINITE, text) ? NON_FINITE[text] : v;
};
const isWritten = (v: unknown): boolean => readBack(v) !== v;

/** Attributes read from JSON: the same object, or a copy with those objects read back as numbers. */
export const attributesFromJson = (attrs: Record<string, unknown>): Record<string, unknown> => {
  let copy: Record<string, unknown> | undefined;
  for (const k in attrs) {
    const v = attrs[k];
    if (!(isWritten(v) || (Array.isArray(v) && v.some(isWritten)))) continue;
    copy ??= { ...attrs };
    copy[k] = Array.isArray(v) ? v.map(readBack) : readBack(v);
  }
  return copy ?? attrs;
};

/**
 * A JSON.stringify replacer for text that identifies attribute values (a series' canonical text,
 * the interner's key): NaN, Infinity, -Infinity and -0 apart from each other, from null and from 0
 * (JSON.stringify's own text writes the first three null and -0 as 0).
 */
export const distinctNumbers = (_key: string, v: unknown): unknown => (Object.is(v, -0) ? { doubleValue: '-0' } : attributeToJson(v));
