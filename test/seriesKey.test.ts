/**
 * seriesKey and seriesMemo, exported from the package root: what makes two samples one series
 * (name, resource, attributes — in any key order), what keeps them apart (a value of another type,
 * NaN or -0 against null or 0, an array against its text), and that the key is the same text from
 * run to run (lanes are hash(seriesKey) mod lanes: a change would move series between lanes).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { seriesKey, seriesMemo, type Attributes, type Sample } from '../src/index.js';
import { memoByAttributes } from '../src/sample.js';

const test = suite('seriesKey and seriesMemo');

const mk = (attributes: Attributes, more: Partial<Sample> = {}): Sample => ({ name: 'http.requests', kind: 'sum', value: 1, timeUnixNano: 1n, attributes, ...more });

test('one series whatever the order of the attribute keys, the object they are in, or the value and time', () => {
  const a = mk({ route: '/a', method: 'GET' });
  const b = mk({ method: 'GET', route: '/a' }, { value: 7, timeUnixNano: 99n });
  assert.is(seriesKey(a), seriesKey(b));
  assert.is(seriesKey(mk({}, { resource: { 'service.name': 's', host: 'h' } })), seriesKey(mk({}, { resource: { host: 'h', 'service.name': 's' } })));
});

test('apart: another name, resource, attribute value, or the same text in another type', () => {
  const base = seriesKey(mk({ code: 200 }));
  const others = [
    mk({ code: 200 }, { name: 'http.errors' }),
    mk({ code: 200 }, { resource: { 'service.name': 's' } }),
    mk({ code: 201 }),
    mk({ code: '200' }),
    mk({ code: [200] }),
    mk({ code: 200, extra: true }),
    mk({}),
  ].map(seriesKey);
  assert.is(new Set([base, ...others]).size, others.length + 1);
  const specials = [NaN, Infinity, -Infinity, -0, 0, true, 'true', 'NaN'].map((v) => seriesKey(mk({ v })));
  assert.is(new Set(specials).size, specials.length, 'NaN, ±Infinity, -0 and 0 are five values, apart from their text');
  // A name, a resource or attributes that only together read alike are not one series.
  assert.is.not(seriesKey(mk({ a: 1 }, { name: 'm' })), seriesKey(mk({ a: 1 }, { name: 'm\u0000' })));
});

test('the same text from run to run', () => {
  assert.is(seriesKey(mk({ route: '/a', code: 200 }, { resource: { 'service.name': 's' } })), 'http.requests\u0000[["service.name","s"]]\u0000[["code",200],["route","/a"]]');
});

test('seriesMemo: one value per series, made once, found from another attributes object of the same content', () => {
  const made: string[] = [];
  const stateOf = seriesMemo((key) => (made.push(key), { key, seen: 0 }));
  const first = stateOf(mk({ route: '/a' }));
  first.seen++;
  assert.is(stateOf(mk({ route: '/a' })), first, 'an equal series in another object');
  const shared = { route: '/b' };
  const b = stateOf(mk(shared));
  assert.is(stateOf(mk(shared)), b);
  assert.is.not(stateOf(mk(shared, { name: 'other' })), b, 'the same attributes object under another name');
  assert.is.not(stateOf(mk(shared, { resource: { 'service.name': 's' } })), b, 'the same attributes object with another resource');
  assert.is(stateOf(mk(shared)), b, 'and back');
  assert.is(made.length, 4);
  assert.is(first.seen, 1);
});

test('one attributes object shared by many series (the same attribute sets from many apps, {} under many names): each series keeps its entry, its key not built again', () => {
  const shared = Object.freeze({ route: '/a' });
  const resources = ['app-0', 'app-1', 'app-2'].map((id) => Object.freeze({ 'service.name': 'shop', 'service.instance.id': id }));
  const computed: string[] = [];
  const valueOf = memoByAttributes((s) => (computed.push(seriesKey(s)), { key: seriesKey(s) }));
  for (let round = 0; round < 5; round++) {
    for (const resource of [...resources, undefined]) {
      for (const name of ['http.requests', 'http.duration', 'http.active']) {
        const s = mk(shared, { name, ...(resource ? { resource } : {}) });
        assert.is(valueOf(s).key, seriesKey(s));
      }
    }
  }
  assert.is(computed.length, 12, 'once a series (3 resources and none, × 3 names), not at every change of series');
  // A value no longer valid is made again, whichever entry holds it.
  const forgotten = new Set<object>();
  const made: object[] = [];
  const state = memoByAttributes(() => { const v = {}; made.push(v); return v; }, (v) => !forgotten.has(v));
  const a = state(mk(shared, { resource: resources[0]! }));
  const b = state(mk(shared, { resource: resources[0]!, name: 'other' }));
  assert.is(state(mk(shared, { resource: resources[0]!, name: 'other' })), b);
  forgotten.add(a).add(b);
  assert.is.not(state(mk(shared, { resource: resources[0]! })), a);
  assert.is.not(state(mk(shared, { resource: resources[0]!, name: 'other' })), b);
  assert.is(made.length, 4);
});

test.run();
