/** Runs of a followed NDJSON source with a positions file, one after another, as restarts of chronoq (followResume*.test.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualTimeScheduler } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { ndjsonSamples, type InvalidLine } from '../../src/sources/ndjson.js';
import { openPositionFile, type PositionFile } from '../../src/sources/positionFile.js';
import { settleRead } from '../../src/sources/readPositions.js';
import type { ResumeEvent } from '../../src/sources/resumeFollowed.js';
import type { Sample } from '../../src/sample.js';
import { tempDir } from './cli.js';

/** Line v: a sample of value v (45 bytes for v < 10). */
export const line = (v: number) => `{"name":"m","value":${v},"timeUnixNano":"${1_000 + v}"}\n`;
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
export const lines = (from: number, to: number) => range(from, to).map(line).join('');

/** One run of a followed source: reads what is there (virtual polls), settles the samples `settles` says, closes the positions file. */
export const run = (path: string, positionsPath: string, settles: (v: number) => boolean = () => true) => {
  const opened = openPositionFile(positionsPath);
  if (isLeft(opened)) throw new Error(opened.left);
  const file: PositionFile = opened.right;
  const scheduler = new VirtualTimeScheduler(undefined, 2_000);
  const got: number[] = [];
  const invalid: InvalidLine[] = [];
  const resumed: ResumeEvent[] = [];
  const sub = ndjsonSamples({
    path, follow: true, pollMs: 100, scheduler, onInvalid: (e) => invalid.push(e),
    positions: { file, onResume: (e) => resumed.push(e) },
  }).subscribe((s: Sample) => {
    got.push(s.value as number);
    if (settles(s.value as number)) settleRead(s);
  });
  scheduler.flush();
  sub.unsubscribe();
  file.close();
  return { got, invalid, resumed };
};

/** A followed app.ndjson holding `content`, read whole and settled by a first run (its positions file saved). */
export const afterAFirstRun = (content: string): { path: string; positions: string } => {
  const dir = tempDir();
  const path = join(dir, 'app.ndjson');
  const positions = join(dir, 'positions.json');
  writeFileSync(path, content);
  run(path, positions);
  return { path, positions };
};
