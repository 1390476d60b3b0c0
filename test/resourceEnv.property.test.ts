/**
 * OTEL_RESOURCE_ATTRIBUTES as chronoq reads it (resourceFromEnv) against the JavaScript SDK's own
 * envDetector, over generated strings of the characters that matter (`=`, `,`, `%`, spaces, a tab,
 * a non-ASCII letter): chronoq's config error exactly when the SDK drops the whole list, and the
 * same attributes otherwise — so a pod's k8s.* attributes mean the same to chronoq as to the
 * applications beside it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { envDetector } from '@opentelemetry/resources';
import { resourceFromEnv } from '../src/config/resourceEnv.js';

const test = suite('OTEL_RESOURCE_ATTRIBUTES against the SDK\u2019s envDetector');

const char = fc.constantFrom('a', 'b', '=', ',', '%', '2', '5', 'C', 'D', ' ', '\t', 'é', '.');
const listArb = fc.array(char, { maxLength: 20 }).map((cs) => cs.join(''));

/** What the SDK's detector finds with `list` in the environment (it reads process.env). */
const sdkAttributes = (list: string): Record<string, unknown> => {
  const before = process.env['OTEL_RESOURCE_ATTRIBUTES'];
  process.env['OTEL_RESOURCE_ATTRIBUTES'] = list;
  try {
    return { ...(envDetector.detect().attributes ?? {}) };
  } finally {
    if (before === undefined) delete process.env['OTEL_RESOURCE_ATTRIBUTES'];
    else process.env['OTEL_RESOURCE_ATTRIBUTES'] = before;
  }
};
const sorted = (r: Record<string, unknown>): string => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));

test('a config error exactly when the SDK drops the list; the same attributes otherwise', () => {
  assert.is(process.env['OTEL_SERVICE_NAME'], undefined, 'the SDK would add service.name');
  fc.assert(
    fc.property(listArb, (list) => {
      const ours = resourceFromEnv({ OTEL_RESOURCE_ATTRIBUTES: list });
      const theirs = sdkAttributes(list);
      const hasEntries = list.split(',').some((e) => e.trim() !== '');
      const sdkDropped = hasEntries && Object.keys(theirs).length === 0;
      assert.is(ours.errors.length > 0, sdkDropped, `${JSON.stringify(list)}: chronoq ${JSON.stringify(ours)}, SDK ${JSON.stringify(theirs)}`);
      if (!sdkDropped) assert.is(sorted(ours.attributes), sorted(theirs), JSON.stringify(list));
    }),
    { numRuns: 20_000 },
  );
});

test.run();
