import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAttributeInterner } from '../src/internAttributes.js';
import { parseSampleLine } from '../src/sampleJson.js';
import { createBatchPacker } from '../src/otlp/batchColumns.js';
import type { Sample } from '../src/sample.js';

const test = suite('attribute objects shared by content');

test('equal sets give one object; other values, types or names do not; sets that are not plain pass as they are', () => {
  const intern = createAttributeInterner();
  const a = intern({ host: 'a', cpu: '1' });
  assert.is(intern({ host: 'a', cpu: '1' }), a);
  assert.is.not(intern({ host: 'a', cpu: '2' }), a);
  assert.is.not(intern({ host: 'a', cpu: 1 }), a, 'a number is not its string');
  assert.is.not(intern({ host: 'a', cpux: '1' }), a);
  // A plain value -0 apart from 0 too (String(-0) is "0"): shared, the second came back as the first's.
  const zero = intern({ delta: 0 });
  const minusZero = intern({ delta: -0 });
  assert.is.not(minusZero, zero);
  assert.ok(Object.is(minusZero['delta'], -0) && Object.is(intern({ delta: 0 })['delta'], 0), '0 and -0 kept as given');
  // Array elements by value too: JSON.stringify writes NaN, ±Infinity and null all null, and -0 as 0.
  const spreads = [[1, Number.NaN], [1, null], [1, Number.POSITIVE_INFINITY], [1, Number.NEGATIVE_INFINITY], [0], [-0]] as const;
  const interned = spreads.map((spread) => intern({ spread } as unknown as Record<string, string>));
  assert.is(new Set(interned).size, spreads.length);
  const lastOf = (spread: unknown) => (spread as readonly unknown[]).at(-1);
  interned.forEach((got, i) => assert.ok(Object.is(lastOf(got['spread']), lastOf(spreads[i])), `[${String(spreads[i])}] kept as given`));
  assert.is(intern({}), intern({}));
  const nested = { host: { name: 'a' } } as unknown as Record<string, string>;
  assert.is(intern(nested), nested);
  assert.is.not(intern({ host: { name: 'b' } } as unknown as Record<string, string>), nested, 'never merged by their text');
});

test('bounded: a set not seen for two generations is let go (still correct, only less shared)', () => {
  const intern = createAttributeInterner(2);
  const first = intern({ k: '0' });
  for (let i = 1; i <= 4; i++) intern({ k: String(i) }); // two generations of other sets
  const again = intern({ k: '0' });
  assert.is.not(again, first);
  assert.equal(again, { k: '0' });
});

test('parsed NDJSON samples of one series share attributes and resource, so the sink can encode them off the thread', () => {
  const line = (i: number) => JSON.stringify({ name: 'cpu', value: i, timeUnixNano: String(1_764_064_800_000_000_000n + BigInt(i)), attributes: { cpu: String(i % 4) }, resource: { 'service.name': 'x' } });
  const samples = Array.from({ length: 400 }, (_, i) => parseSampleLine(line(i))).map((p) => (p._tag === 'Right' ? p.right : assert.unreachable(p.left)) as Sample);
  assert.is(samples[0]!.attributes, samples[4]!.attributes);
  assert.is(samples[0]!.resource, samples[399]!.resource);
  assert.is(new Set(samples.map((s) => s.attributes)).size, 4);
  assert.ok(createBatchPacker().pack(samples), 'packed: four series, not 400');
});

test.run();
