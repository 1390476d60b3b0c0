/**
 * A sample written as a JSON line — to the spool, to the dead-letter file — must come back the
 * same sample: every field of `Sample`. Before, `scope`, `temporality` and `monotonic` were not
 * read back, so an up-down counter bridged from the OpenTelemetry SDK came out of the spool (after
 * an outage longer than the queue, or a restart) or out of `chronoq replay` as a monotonic counter
 * without its scope, and one below zero did not come back at all: the spool skipped the line,
 * the sample was neither delivered nor a dead letter.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { join } from 'node:path';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { parseSampleLine, toJsonLine } from '../src/sampleJson.js';
import { parseDeadLetterLine } from '../src/deadLetterJson.js';
import { type Sample, seriesKey, validateSample, withResource } from '../src/sample.js';
import { writeLines } from '../src/sinks.js';
import { parseOtlpJsonLine } from '../src/otlpJson.js';
import { CHRONOQ_SCOPE } from '../src/otlp/toResourceMetrics.js';
import { otlpJsonText } from '../src/otlp/otlpJsonText.js';
import { open } from './support/spool.js';
import { createBatchEncoder } from '../src/otlp/batchEncoder.js';
import { tempDir } from './support/cli.js';
import { attrs, sample } from './support/sampleArbitraries.js';

const test = suite('samples as JSON lines');

test('every sample comes back from its JSON line whole: scope (its attributes too), the resource\'s schema URL, temporality, monotonicity, value type, array attributes and all', () => {
  fc.assert(
    fc.property(sample, (s) => {
      const back = parseSampleLine(toJsonLine(s));
      assert.ok(isRight(back), `${toJsonLine(s)} → ${isLeft(back) ? back.left : ''}`);
      assert.equal(back.right, s);
      const letter = parseDeadLetterLine(toJsonLine({ reason: 'rejected', item: s, detail: 'd', atUnixMs: 1 }));
      assert.ok(isRight(letter));
      assert.equal(letter.right.item, s);
    }),
    { numRuns: 500 },
  );
});

test('an NDJSON sink\'s line is the sample as sent — with the pipeline\'s resource when it has none of its own — and reads back as that sample (the resource is written once and spliced in)', () => {
  fc.assert(
    fc.property(sample, attrs, (s, resource) => {
      let written = '';
      writeLines((t) => void (written += t), 'out.ndjson', resource)([s]).subscribe();
      const expected = withResource(resource)(s);
      assert.is(written, `${toJsonLine(expected)}\n`);
      const back = parseSampleLine(written.trimEnd());
      assert.ok(isRight(back));
      assert.equal(back.right, expected);
    }),
    { numRuns: 500 },
  );
});

type Json = Record<string, unknown>;
const sortedAttrs = (a: unknown) => [...((a as Json[] | undefined) ?? [])].sort((x, y) => String(x['key']).localeCompare(String(y['key'])));
/** The data points of OTLP/JSON lines, each as one text with its resource, scope and metric, sorted. */
const pointsOf = (text: string): string[] =>
  text.trimEnd().split('\n').flatMap((line) => ((JSON.parse(line) as Json)['resourceMetrics'] as Json[]).flatMap((rm) =>
    (rm['scopeMetrics'] as Json[]).flatMap((sm) => (sm['metrics'] as Json[]).flatMap((m) => {
      const type = ['gauge', 'sum', 'histogram', 'exponentialHistogram'].find((k) => m[k] !== undefined)!;
      const { dataPoints, ...data } = m[type] as Json;
      // An empty version is no version (proto3: '' is unset).
      const scope = Object.fromEntries(Object.entries(sm['scope'] as Json).filter(([, v]) => v !== ''));
      if (scope['attributes'] !== undefined) scope['attributes'] = sortedAttrs(scope['attributes']);
      return (dataPoints as Json[]).map((p) => JSON.stringify([sortedAttrs((rm['resource'] as Json)['attributes']), rm['schemaUrl'], scope, m['name'], m['unit'], m['description'], type, data, { ...p, attributes: sortedAttrs(p['attributes']) }]));
    })))).sort();

test('an NDJSON sink of format otlp-json writes a batch as one OTLP/JSON request, read back (otlpJson.ts) into samples of the same data points: NaN, ±Infinity and -0 too', () => {
  const encode = createBatchEncoder();
  fc.assert(
    fc.property(fc.array(sample, { minLength: 1, maxLength: 5 }), attrs, (drawn, resource) => {
      const batch = drawn.filter((s) => isRight(validateSample(s)));
      if (batch.length === 0) return;
      let written = '';
      writeLines((t) => void (written += t), 'out.jsonl', resource, 'otlp-json')(batch).subscribe({ error: (e) => assert.unreachable(String(e)) });
      assert.ok(written.endsWith('\n') && !written.slice(0, -1).includes('\n'), 'one line');
      const read = parseOtlpJsonLine(written.trimEnd());
      if (isLeft(read)) return assert.unreachable(read.left);
      assert.equal(read.right.refused, []);
      // The same data points, each with its resource, scope and metric (how the request groups them
      // may differ: read back, every sample carries the resource and scope it was written under).
      assert.equal(pointsOf(otlpJsonText(read.right.samples, {})), pointsOf(written));
      // And the bytes sent: the batch's request with those given.
      const given = read.right.samples.length === batch.length ? batch.map((s) => ({ ...withResource(resource)(s), scope: s.scope ?? CHRONOQ_SCOPE })) : [];
      assert.is(encode(read.right.samples, {}).length, encode(given, {}).length);
    }),
    { numRuns: 500 },
  );
});

test('-0 comes back -0 (JSON.stringify writes it 0): a gauge the SDK recorded as -0 is sent as -0 after the spool too', () => {
  const g: Sample = { name: 'temperature', kind: 'gauge', valueType: 'double', value: -0, timeUnixNano: 5n, attributes: { offset: -0 } };
  const line = toJsonLine(g);
  assert.is(line, '{"name":"temperature","kind":"gauge","valueType":"double","value":-0,"timeUnixNano":"5","attributes":{"offset":-0}}');
  const back = parseSampleLine(line);
  assert.ok(isRight(back) && Object.is(back.right.value, -0) && Object.is(back.right.attributes['offset'], -0));
  assert.is(toJsonLine({ text: '-0', n: 0 }), '{"text":"-0","n":0}', 'a string "-0" and a 0 stay what they are');
});

test('a gauge (or a histogram sum, min or max) that is NaN or ±Infinity is a sample (OTLP carries any double): written "NaN", "Infinity", "-Infinity" as OTLP/JSON writes them, and read back from the spool; JSON.stringify wrote null, and the sample was `invalid`', () => {
  const gauge = (value: number): Sample => ({ name: 'queue.avg_wait', kind: 'gauge', value, timeUnixNano: 1_764_064_800_000_000_000n, attributes: { queue: 'a' } });
  const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  assert.equal(values.map((v) => (JSON.parse(toJsonLine(gauge(v))) as { value: unknown }).value), ['NaN', 'Infinity', '-Infinity']);
  for (const v of values) assert.equal(parseSampleLine(toJsonLine(gauge(v))), { _tag: 'Right', right: gauge(v) }, String(v));
  assert.equal(parseSampleLine('{"name":"queue.avg_wait","value":"NaN","timeUnixNano":"5"}'), { _tag: 'Right', right: { name: 'queue.avg_wait', kind: 'gauge', value: Number.NaN, timeUnixNano: 5n, attributes: {} } }, 'an input line may say so too');
  assert.is(toJsonLine({ value: 'NaN', n: Number.NaN }), '{"value":"NaN","n":null}', 'only a value is written so');
  // Python's json module writes them bare (not JSON): such a value is read as the quoted form, and
  // nothing inside a string is touched.
  const python = '{"name": "queue.avg_wait", "value": -Infinity, "timeUnixNano": "5", "attributes": {"note": "\\"value\\": NaN, too"}}';
  assert.equal(parseSampleLine(python), { _tag: 'Right', right: { name: 'queue.avg_wait', kind: 'gauge', value: Number.NEGATIVE_INFINITY, timeUnixNano: 5n, attributes: { note: '"value": NaN, too' } } });
  assert.ok(isRight(parseSampleLine('{"name": "q", "value": NaN, "timeUnixNano": "5"}')));
  const elsewhere = parseSampleLine('{"name": "q", "value": 1, "timeUnixNano": "5", "attributes": {"x": NaN}}');
  assert.ok(isLeft(elsewhere) && elsewhere.left.startsWith('not JSON: '), 'a bare NaN that is not a value is not JSON, as before');
  const dir = tempDir();
  const { spool } = open(join(dir, 'spool.db'), 1);
  spool.append(values.map((v, i) => ({ ...gauge(v), timeUnixNano: gauge(v).timeUnixNano + BigInt(i) })));
  assert.equal(spool.recover(), values.map((v, i) => ({ ...gauge(v), timeUnixNano: gauge(v).timeUnixNano + BigInt(i) })));
  spool.close();
  // A histogram's sum, min and max likewise (the SDK's, once Infinity was recorded); not its boundaries.
  const histogram: Sample = { name: 'job.seconds', kind: 'histogram', value: { boundaries: [1], counts: [1, 1], sum: Number.NaN, count: 2, min: 0.5, max: Number.POSITIVE_INFINITY }, timeUnixNano: 5n, attributes: {} };
  assert.match(toJsonLine(histogram), /"sum":"NaN","count":2,"min":0.5,"max":"Infinity"/);
  assert.equal(parseSampleLine(toJsonLine(histogram)), { _tag: 'Right', right: histogram });
  assert.equal(parseSampleLine(toJsonLine({ ...histogram, value: { boundaries: [Number.NaN], counts: [1, 1], count: 2 } })), { _tag: 'Left', left: 'histogram boundaries must be finite numbers' });
  // A counter counts: one that is NaN or infinite is still refused, with what it is.
  assert.equal(parseSampleLine('{"name":"jobs.done","kind":"sum","value":"NaN","timeUnixNano":"5"}'), { _tag: 'Left', left: 'value must be a finite number, got NaN' });
  assert.equal(parseSampleLine('{"name":"jobs.done","kind":"sum","monotonic":false,"value":"-Infinity","timeUnixNano":"5"}'), { _tag: 'Left', left: 'value must be a finite number, got -Infinity' });
});

test('an attribute (or resource attribute) that is NaN or ±Infinity comes back from the spool and the dead-letter file as that number, written as OTLP/JSON writes it; JSON.stringify wrote null: another series at the receiver after a restart', () => {
  const ratio = (r: number, i = 0): Sample => ({
    name: 'cache.fill', kind: 'gauge', value: 1, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i),
    attributes: { ratio: r, spread: [1, r], host: 'a', value: r }, resource: { 'process.load': r },
  });
  const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  assert.match(toJsonLine(ratio(Number.NaN)), /"attributes":\{"ratio":\{"doubleValue":"NaN"\},"spread":\[1,\{"doubleValue":"NaN"\}\],"host":"a","value":\{"doubleValue":"NaN"\}\},"resource":\{"process.load":\{"doubleValue":"NaN"\}\}/);
  const dir = tempDir();
  const { spool } = open(join(dir, 'spool.db'), 1);
  spool.append(values.map((v, i) => ratio(v, i)));
  const recovered = spool.recover();
  spool.close();
  assert.equal(recovered, values.map((v, i) => ratio(v, i)));
  for (const [i, v] of values.entries()) {
    assert.ok(Object.is(recovered[i]!.attributes['ratio'], v) && Object.is(recovered[i]!.resource!['process.load'], v), String(v));
    const letter = parseDeadLetterLine(toJsonLine({ reason: 'shutdown', item: ratio(v), detail: 'd', atUnixMs: 1 }));
    assert.ok(isRight(letter) && Object.is(letter.right.item.attributes['ratio'], v));
  }
  // Each is its own series, as at the receiver (the canonical text wrote all three, and null, as null, and -0 as 0).
  const keys = [...values, null, 0, -0].map((v) => seriesKey({ ...ratio(0), attributes: { ratio: v as number } }));
  assert.is(new Set(keys).size, 6);
  assert.is(seriesKey({ ...ratio(0), attributes: { ratio: 0.5, host: 'a' } }), `cache.fill\u0000[["process.load",0]]\u0000[["host","a"],["ratio",0.5]]`, 'finite attributes: the key as before');
  // An object that is not exactly that form is left as it was written (validation judges it).
  assert.equal((JSON.parse(toJsonLine(ratio(2))) as { attributes: unknown }).attributes, { ratio: 2, spread: [1, 2], host: 'a', value: 2 });
  // Nor is one whose text names what every object inherits ("toString", "constructor"): it is not read as that.
  const other = parseSampleLine('{"name":"m","value":1,"timeUnixNano":"5","attributes":{"a":{"doubleValue":"NaN","x":1},"b":{"doubleValue":"12"},"c":{"doubleValue":"toString"},"d":[{"doubleValue":"constructor"}]}}');
  assert.ok(isRight(other));
  assert.equal(other.right.attributes, { a: { doubleValue: 'NaN', x: 1 }, b: { doubleValue: '12' }, c: { doubleValue: 'toString' }, d: [{ doubleValue: 'constructor' }] } as unknown as Sample['attributes']);
});

test('an attribute whose value is undefined goes through the spool as the same series it was sent as live: an empty value (JSON dropped the key, and the sample came back another series)', () => {
  const encode = createBatchEncoder();
  const request: Sample = { name: 'http.requests', kind: 'sum', value: 3, timeUnixNano: 5n, attributes: { route: undefined, method: 'GET' } as unknown as Sample['attributes'] };
  const back = parseSampleLine(toJsonLine(request));
  assert.ok(isRight(back));
  assert.equal(back.right.attributes, { route: null, method: 'GET' } as unknown as Sample['attributes']);
  assert.equal(encode([back.right], {}), encode([request], {}), 'the same request bytes');
  assert.is(seriesKey(back.right), seriesKey(request));
});

test('a value or kind that is not one is shown as written in the line: a list, an object, none', () => {
  const refused = (fields: string) => parseSampleLine(`{"name":"m",${fields}"timeUnixNano":"5","attributes":{}}`);
  // Before: "got " for a list, "got [object Object]" for an object, "got undefined" for none.
  assert.equal(refused('"value":[],'), { _tag: 'Left', left: 'value must be a number, got []' });
  assert.equal(refused('"kind":"sum","value":{"avg":1.5},'), { _tag: 'Left', left: 'value must be a finite number, got {"avg":1.5}' });
  assert.equal(refused(''), { _tag: 'Left', left: 'value must be a number, got no value' });
  assert.equal(refused(`"value":[${'1,'.repeat(60)}1],`), { _tag: 'Left', left: `value must be a number, got [${'1,'.repeat(29)}1… (123 characters)` });
  assert.equal(refused('"kind":{"type":"gauge"},"value":1,'), { _tag: 'Left', left: 'kind must be gauge, sum, histogram or exponential-histogram, got {"type":"gauge"}' });
  assert.equal(refused('"value":"12",'), { _tag: 'Left', left: 'value must be a number, got "12"' });
  assert.equal(refused('"value":true,'), { _tag: 'Left', left: 'value must be a number, got true' });
  // Attributes or a resource that are a list, a unit or description that is not text: refused with
  // what they are. A list was taken (its attributes named "0", "1", …) and a unit 5 dropped.
  assert.equal(parseSampleLine('{"name":"m","value":1,"timeUnixNano":"5","attributes":["host","a"]}'), { _tag: 'Left', left: 'attributes must be an object of names to values, got ["host","a"]' });
  assert.equal(parseSampleLine('{"name":"m","value":1,"timeUnixNano":"5","resource":["svc"]}'), { _tag: 'Left', left: 'resource must be an object of names to values, got ["svc"]' });
  assert.equal(parseSampleLine('{"name":"m","value":1,"timeUnixNano":"5","resource":"svc"}'), { _tag: 'Left', left: 'resource must be an object of names to values, got "svc"' });
  assert.equal(refused('"value":1,"unit":5,'), { _tag: 'Left', left: 'unit must be a string, got 5' });
  assert.equal(refused('"value":1,"description":{"text":"x"},'), { _tag: 'Left', left: 'description must be a string, got {"text":"x"}' });
  assert.ok(isRight(refused('"value":1,"unit":null,"description":null,"resource":null,')), 'null is absent (Python writes None so)');
  // A time likewise, cut as a value is (the whole list went into the dead letter's detail).
  assert.equal(parseSampleLine(`{"name":"m","value":1,"timeUnixNano":[${'1,'.repeat(200)}1]}`), { _tag: 'Left', left: `timeUnixNano must be a decimal string of nanoseconds, got [${'1,'.repeat(29)}1… (403 characters)` });
  assert.equal(parseSampleLine('{"name":"m","value":1,"timeUnixNano":"1.5e18"}'), { _tag: 'Left', left: 'timeUnixNano must be a decimal string of nanoseconds, got "1.5e18"' });
  // An app's own sample: a field JSON cannot write (a bigint) is said, where validateSample threw.
  const appSample = { name: 'm', kind: 'sum', value: 1, timeUnixNano: 5n, attributes: {}, temporality: 5n } as unknown as Sample;
  assert.equal(validateSample(appSample), { _tag: 'Left', left: "temporality must be 'cumulative' or 'delta', got 5" });
});

test('an up-down counter below zero, bridged from the SDK, is read back from the spool as it was written', () => {
  const dir = tempDir();
  const { spool } = open(join(dir, 'spool.db'), 1);
  const queueDepth: Sample = {
    name: 'queue.depth.change', kind: 'sum', monotonic: false, temporality: 'cumulative', value: -4,
    timeUnixNano: 1_764_064_800_000_000_000n, startTimeUnixNano: 1_764_064_700_000_000_000n,
    attributes: { queue: 'a' }, scope: { name: 'shop', version: '2.1.0' },
  };
  spool.append([queueDepth, { ...queueDepth, value: 3, timeUnixNano: queueDepth.timeUnixNano + 1n }]);
  assert.equal(spool.recover(), [queueDepth, { ...queueDepth, value: 3, timeUnixNano: queueDepth.timeUnixNano + 1n }]);
  spool.close();
});

test('a line with a malformed scope, temporality or monotonic is refused with what is wrong, not read as a default', () => {
  const line = (extra: string) => `{"name":"x","kind":"sum","value":1,"timeUnixNano":"5",${extra}}`;
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['"temporality":"DELTA"', "temporality must be 'cumulative' or 'delta', got \"DELTA\""],
    ['"monotonic":"false"', 'monotonic must be true or false, got "false"'],
    ['"scope":"app"', 'scope must be an object with a string name (and a string version, schemaUrl, an object of attributes), got "app"'],
    ['"scope":{"version":"1"}', 'scope must be an object with a string name (and a string version, schemaUrl, an object of attributes), got {"version":"1"}'],
    ['"scope":{"name":"app","attributes":["tier"]}', 'scope must be an object with a string name (and a string version, schemaUrl, an object of attributes), got {"name":"app","attributes":["tier"]}'],
    ['"resourceSchemaUrl":1', 'resourceSchemaUrl must be a string, got 1'],
    ['"valueType":"float"', "valueType must be 'int' or 'double', got \"float\""],
  ];
  for (const [extra, message] of cases) assert.equal(parseSampleLine(line(extra)), { _tag: 'Left', left: message }, extra);
  assert.ok(isRight(parseSampleLine(line('"temporality":"delta","monotonic":false,"scope":{"name":"app"}'))));
  assert.equal(parseSampleLine(line('"temporality":null,"monotonic":null,"scope":null,"valueType":null')), parseSampleLine(line('"unit":null')), 'null is absent (Python writes None so)');
  assert.equal(parseSampleLine(line('"scope":{"name":"app","version":null,"schemaUrl":null,"attributes":null}')), parseSampleLine(line('"scope":{"name":"app"}')), "and so in a scope");
  assert.equal(parseSampleLine(line('"scope":{"name":"app","attributes":{}}')), parseSampleLine(line('"scope":{"name":"app"}')), 'empty scope attributes are none');
  const negative = parseSampleLine(line('"monotonic":false').replace('"value":1', '"value":-1'));
  assert.ok(isRight(negative) && negative.right.value === -1, 'an up-down counter may go below zero');
});

test('an exponential histogram is checked as one: scale, counts adding up, buckets', () => {
  const value = { scale: 3, zeroCount: 1, positive: { offset: -2, bucketCounts: [1, 0, 2] }, negative: { offset: 0, bucketCounts: [1] }, count: 5 };
  const line = (v: unknown) => JSON.stringify({ name: 'payload.size', kind: 'exponential-histogram', value: v, timeUnixNano: '5' });
  assert.ok(isRight(parseSampleLine(line(value))));
  const cases: ReadonlyArray<readonly [object, string]> = [
    [{ ...value, count: 4 }, 'exponential histogram count 4 differs from zeroCount plus the bucket counts, 5'],
    [{ ...value, scale: 21 }, 'exponential histogram scale must be an integer from -10 to 20'],
    [{ ...value, scale: -11 }, 'exponential histogram scale must be an integer from -10 to 20'],
    [{ ...value, positive: { offset: 0.5, bucketCounts: [4] } }, 'exponential histogram positive.offset must be an integer'],
    [{ ...value, negative: { offset: 0, bucketCounts: [-1] } }, 'exponential histogram negative.bucketCounts must be non-negative integers'],
    [{ ...value, negative: undefined }, 'exponential histogram negative needs { offset, bucketCounts }'],
    [{ ...value, sum: 'x' }, 'exponential histogram sum must be a number when given'],
    [{ ...value, max: 'x' }, 'histogram min and max must be numbers when given'],
    // Swapped fields were sent as they were.
    [{ ...value, min: 3, max: 1 }, 'histogram min 3 is greater than its max 1'],
  ];
  for (const [v, message] of cases) assert.equal(parseSampleLine(line(v)), { _tag: 'Left', left: message }, message);
  assert.equal(parseSampleLine('{"name":"x","value":"12","timeUnixNano":"5"}'), { _tag: 'Left', left: 'value must be a number, got "12"' }, 'a string is quoted');
  assert.equal(parseSampleLine(line(7)), { _tag: 'Left', left: 'an exponential-histogram sample needs an exponential histogram value' });
  const explicit = (v: object) => JSON.stringify({ name: 'latency', kind: 'histogram', value: { boundaries: [1, 2], counts: [1, 2, 3], sum: 10, count: 6, ...v }, timeUnixNano: '5' });
  assert.equal(parseSampleLine(explicit({ min: 3, max: 1 })), { _tag: 'Left', left: 'histogram min 3 is greater than its max 1' });
  assert.ok(isRight(parseSampleLine(explicit({ min: 0.5, max: 0.5 }))), 'equal: one measurement');
  assert.ok([-10, 20].every((scale) => isRight(parseSampleLine(line({ ...value, scale })))), 'the scales at either end of the range');
  // A bucket between two equal bounds holds nothing anyone can place.
  assert.equal(parseSampleLine(explicit({ boundaries: [1, 1] })), { _tag: 'Left', left: 'histogram boundaries must be strictly increasing' });
  // The SDK's min and max once Infinity was recorded (and NaN, which compares false) still go.
  assert.ok(isRight(parseSampleLine(explicit({ min: 1, max: 'Infinity' }))));
});

test('a dead letter whose item only looks like a refused input line (no line number) or refused points (not from an otlp source) is said to hold no sample', () => {
  const letter = (item: unknown) => JSON.stringify({ reason: 'invalid', item, detail: 'd', atUnixMs: 1 });
  const said = (item: unknown) => {
    const r = parseDeadLetterLine(letter(item));
    return r._tag === 'Left' ? r.left : 'a sample';
  };
  assert.match(said({ text: '{"name":', source: 'in.ndjson', reason: 'not JSON' }), /^its item is not a sample: /);
  assert.match(said({ text: '{"name":', line: 3, source: 'in.ndjson', reason: 'not JSON' }), /^it records input line 3 of in\.ndjson/);
  assert.match(said({ peer: '10.0.0.7:1', source: 'ndjson', reason: 'x' }), /^its item is not a sample: /);
  assert.match(said({ peer: '10.0.0.7:1', source: 'otlp grpc', reason: 'x' }), /^it records points that otlp grpc refused from 10\.0\.0\.7:1/);
});

test.run();
