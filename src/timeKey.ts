/**
 * Numbers from bigint nanosecond timestamps without bigint arithmetic. Comparing bigints and
 * converting them with Number() cost tens to a hundred nanoseconds each on Node 20; writing the
 * bigint into a BigInt64Array and reading its two 32-bit halves costs a fraction of that and keeps
 * every bit, so the reorder buffer's heap compares plain numbers.
 */
const scratch = new BigInt64Array(1);
const signedHalves = new Int32Array(scratch.buffer);
const unsignedHalves = new Uint32Array(scratch.buffer);
scratch[0] = 1n;
const LO = unsignedHalves[0] === 1 ? 0 : 1;
const HI = 1 - LO;
const TWO_32 = 4294967296;

export interface TimeKey {
  /** High 32 bits, signed. */
  hi: number;
  /** Low 32 bits, unsigned. */
  lo: number;
}

/** The halves of `t`. */
export const timeKey = (t: bigint): TimeKey => {
  scratch[0] = t;
  return { hi: signedHalves[HI]!, lo: unsignedHalves[LO]! };
};

/**
 * t − base in nanoseconds as a double, from the halves (no bigint arithmetic, no allocation):
 * exact while |t − base| < 2⁵³, correctly ordered (monotonic) beyond.
 */
export const relativeNanos = (t: bigint, base: TimeKey): number => {
  scratch[0] = t;
  return (signedHalves[HI]! - base.hi) * TWO_32 + (unsignedHalves[LO]! - base.lo);
};

const NS_PER_S = 1_000_000_000n;
/** 2⁶³ ns (2262-04-11T23:47:16.854775808Z): the end of int64 nanosecond time. */
export const INT64_END = 1n << 63n;

/**
 * Exact seconds and nanoseconds of a nanosecond time 0 ≤ t < 2⁶³, by number arithmetic on its
 * 32-bit halves (no bigint division): with hi = a·2¹⁶ + b,
 * t = a·2⁴⁸ + b·2³² + lo, 2⁴⁸ = 281 474·10⁹ + 976 710 656 and 2³² = 4·10⁹ + 294 967 296,
 * and every partial product stays below 2⁵³. Written to `split` (no allocation); false, and
 * nothing written, for any other t (the int64 halves of a t outside that range wrap).
 */
const split = { seconds: 0, nanos: 0 };
const splitNonNegative = (t: bigint): boolean => {
  if (t < 0n || t >= INT64_END) return false;
  scratch[0] = t;
  const hi = unsignedHalves[HI]!;
  const lo = unsignedHalves[LO]!;
  const a = Math.floor(hi / 65536);
  const b = hi % 65536;
  const rest = a * 976_710_656 + b * 294_967_296 + lo;
  const carry = Math.floor(rest / 1e9);
  split.seconds = a * 281_474 + b * 4 + carry;
  split.nanos = rest - carry * 1e9;
  return true;
};

/**
 * Exact [seconds, nanoseconds] of any nanosecond time: number arithmetic for 0 ≤ t < 2⁶³, bigint
 * division otherwise.
 */
export const secondsNanosOf = (t: bigint): [number, number] => secondsNanosInto(t, [0, 0]);

/** secondsNanosOf written into `out` (no allocation); returns `out`. */
export const secondsNanosInto = <T extends [number, number]>(t: bigint, out: T): T => {
  if (splitNonNegative(t)) {
    out[0] = split.seconds;
    out[1] = split.nanos;
  } else {
    out[0] = Number(t / NS_PER_S);
    out[1] = Number(t % NS_PER_S);
  }
  return out;
};

/**
 * t in milliseconds (the fraction keeps the sub-ms part), without an array; NaN outside
 * 0 ≤ t < 2⁶³ (the caller takes the bigint path then).
 */
export const nonNegativeNanosToMs = (t: bigint): number =>
  splitNonNegative(t) ? split.seconds * 1000 + split.nanos / 1e6 : NaN;
