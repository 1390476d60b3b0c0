/**
 * A source path written as a pattern (`/var/log/app/*.ndjson`, as the Collector's filelog receiver
 * takes its `include`), which chronoq does not expand: each file is a source of its own. Followed,
 * such a path was waited for as a file of that very name ("no such file yet"), for good; read
 * once, it was "ENOENT". A file that is named so (`[x].ndjson`) is read as any other.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ConfigError } from './errors.js';

const GLOB = /[*?[]/;

/** A pattern's last part as a regular expression: `*` any run, `?` one character, `[…]` as written. */
const patternRegExp = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);

/** What is wrong with a source `path` that is no file and reads as a pattern; undefined otherwise. */
export const pathPatternProblem = (path: string, at: string, follow: boolean): ConfigError | undefined => {
  if (!GLOB.test(path)) return undefined;
  const expected = "a file's path (a pattern is not expanded)";
  const found = JSON.stringify(path);
  let matches: string[] = [];
  try {
    if (!GLOB.test(dirname(path))) matches = readdirSync(dirname(path)).filter((name) => patternRegExp(basename(path)).test(name)).sort();
  } catch {
    // no such directory: nothing matches
  }
  if (matches.length === 0) return { path: at, expected, found: `${found} (a pattern, which matches no file now)` };
  return {
    path: at, expected, found: `${found} (a pattern, which matches ${matches.length} file${matches.length === 1 ? '' : 's'} now: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''})`,
    suggestion: `one source for each file: - {type: ndjson, path: ${join(dirname(path), matches[0]!)}${follow ? ', follow: true' : ''}}`,
  };
};
