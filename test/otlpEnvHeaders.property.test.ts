/**
 * OTEL_EXPORTER_OTLP_HEADERS as chronoq checks it (checkOtlpEnv) against what the OpenTelemetry
 * exporters make of it (@opentelemetry/core's parseKeyPairsIntoRecord), over generated strings of
 * the characters that matter (`=`, `,`, `;`, `%`, spaces, a colon, a non-ASCII letter): no error
 * exactly when the exporters send every entry as written — name and value trimmed, the value
 * percent-decoded — and gRPC can carry each name and value. An entry dropped or cut without a word
 * is an error, and so is a header given twice (in any case: one value would overwrite the other);
 * an error is never raised for entries sent as written, valid and each once.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { checkOtlpEnv, headerNameProblem, headerValueProblem } from '../src/config/grpcValues.js';

const test = suite('OTEL_EXPORTER_OTLP_HEADERS against the exporters\u2019 parser');

const char = fc.constantFrom('a', 'b', 'k', '-', '=', ',', ';', '%', '2', '5', 'A', ' ', ':', 'é', '3', 'B');
const envArb = fc.array(char, { maxLength: 24 }).map((cs) => cs.join(''));

/**
 * Whether the exporters send this entry as written — its name and value trimmed, the value
 * percent-decoded — and gRPC can carry both. Entry by entry, as their parser reads the variable
 * (so a later entry of the same name does not make up for one dropped).
 */
const sentAsWritten = (entry: string): boolean => {
  const at = entry.indexOf('=');
  if (at < 0) return false;
  const name = entry.slice(0, at).trim();
  let value: string;
  try {
    value = decodeURIComponent(entry.slice(at + 1).trim());
  } catch {
    return false;
  }
  const sent = parseKeyPairsIntoRecord(entry);
  return Object.keys(sent).length === 1 && sent[name] === value && headerNameProblem(name) === undefined && headerValueProblem(value) === undefined;
};

test('no error exactly when every entry is sent as written and gRPC can carry it', () => {
  fc.assert(
    fc.property(envArb, (env) => {
      const errors = checkOtlpEnv({ OTEL_EXPORTER_OTLP_HEADERS: env });
      const entries = env.split(',').filter((e) => e.trim() !== '');
      // And each header once: gRPC metadata names are lower case, so a name given again, in any
      // case, has one value overwrite the other (chronoq refuses it, the same value too).
      const names = entries.map((e) => e.slice(0, e.indexOf('=')).trim().toLowerCase());
      const fine = entries.every(sentAsWritten) && new Set(names).size === names.length;
      assert.is(errors.length === 0, fine, `${JSON.stringify(env)}: ${errors.map((e) => `${e.path}: ${e.found}`).join('; ') || 'no error'}`);
    }),
    { numRuns: 20_000, examples: [['B=,B=a'], ['k=a;b'], ['Authorization: Basic x='], ['b=a,B=a'], ['b=a,b=2']] },
  );
});

test.run();
