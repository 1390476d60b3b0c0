/**
 * Resource attribute values that YAML read as a number written otherwise: `service.version: 1.10`
 * is the number 1.1, `2.0` is 2, `0x10` is 16, `010` is 10 — sent as that number (an int or a
 * double attribute), where the text was meant. A number written as numbers are (`replicas: 3`,
 * `ratio: 0.5`, `1e3`) is taken; one written as text is (LOOKS_LIKE_TEXT) is an error asking for quotes.
 */
import { type Document, isMap, isPair, isScalar } from 'yaml';
import type { ConfigError } from './errors.js';

/**
 * A number's written form that text is written in, not a number: a fraction ending in 0 (a version,
 * `1.10`, `2.0`), a leading 0 (`010`, a code), hexadecimal or octal (`0x10`, `0o17`). `1e3`, `.5`
 * and `+1` are taken as the numbers they are.
 */
const LOOKS_LIKE_TEXT = /^[-+]?(\d*\.\d*0|0\d+(\.\d*)?|0[xo][0-9a-f]+)$/i;

export const numbersReadOtherwise = (doc: Document, mapKey = 'resource'): ConfigError[] => {
  const map = doc.get(mapKey, true);
  if (!isMap(map)) return [];
  return map.items.flatMap((pair): ConfigError[] => {
    if (!isPair(pair) || !isScalar(pair.value) || !isScalar(pair.key)) return [];
    const { value, source, type } = pair.value;
    if (typeof value !== 'number' || type !== 'PLAIN' || source === undefined || !LOOKS_LIKE_TEXT.test(source)) return [];
    return [{
      path: `config.${mapKey}.${String(pair.key.value)}`,
      expected: 'a value sent as written',
      found: `${source}, which YAML reads as the number ${value}`,
      suggestion: `write "${source}" (in quotes) for the text, or ${value} for the number`,
    }];
  });
};
