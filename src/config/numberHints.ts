/**
 * What to write instead of a number written the way other tools' configs write one: a duration
 * with its unit (`5s`, as the Collector's config and Go's time.ParseDuration have them) for a key
 * in milliseconds, a size with its unit (`10MB`, `2GiB`) for a key in bytes, digits in groups
 * (`1_000_000`, `100,000`: YAML 1.2 reads them as text). The config takes plain numbers only —
 * the key's name says its unit — so the value is still refused; the hint says the number, and
 * only a number the key takes.
 */

/** Milliseconds in each duration unit. */
const MS_PER_UNIT: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Bytes in each size unit: decimal (kB, MB: powers of 1000) and binary (KiB, MiB: of 1024). */
const BYTES_PER_UNIT: Readonly<Record<string, number>> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

const DIGIT_GROUPS = /^\s*\d{1,3}(?:([_,])\d{3})(?:\1\d{3})*(?:\.\d+)?\s*$/;
const WITH_UNIT = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i;

/** The number `raw` spells with `units`, when it does. */
const inUnits = (raw: string, units: Readonly<Record<string, number>>): number | undefined => {
  const m = WITH_UNIT.exec(raw);
  const per = m === null ? undefined : units[m[2]!.toLowerCase()];
  return per === undefined ? undefined : Number(m![1]) * per;
};

/**
 * The suggestion for a refused value `raw` of the key `key` (the last part of its path), or
 * undefined: `did you mean 5000? maxDelayMs is in milliseconds`.
 */
export const numberHint = (raw: unknown, key: string | undefined, accepts: (n: number) => boolean): string | undefined => {
  if (typeof raw !== 'string') return undefined;
  const candidates: [number | undefined, string][] = [
    [DIGIT_GROUPS.test(raw) ? Number(raw.replace(/[_,]/g, '')) : undefined, ''],
    [key?.endsWith('Ms') ? inUnits(raw, MS_PER_UNIT) : undefined, ` ${key} is in milliseconds`],
    [key?.endsWith('Bytes') ? inUnits(raw, BYTES_PER_UNIT) : undefined, ` ${key} is in bytes`],
  ];
  const found = candidates.find(([n]) => n !== undefined && Number.isFinite(n) && accepts(n));
  return found === undefined ? undefined : `did you mean ${found[0]}?${found[1]}`;
};
