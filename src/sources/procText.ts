/**
 * A /proc file parsed, or `otherwise` where it is not there or not readable (another OS, a
 * container's restricted /proc): the host source's readers send nothing of a family rather than
 * fail the source.
 */
import { readFileSync } from 'node:fs';

export const parsedOr = <T>(path: string, parse: (text: string) => T, otherwise: T): T => {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch {
    return otherwise;
  }
};
