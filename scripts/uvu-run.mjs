// Runs the given uvu suite files in this process (started with `--import tsx`), like uvu's CLI.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const files = process.argv.slice(2).map((f) => ({ name: f, file: resolve(f) }));
globalThis.UVU_DEFER = 1;
const uvu = await import('uvu');
let idx = 0;
for (const suite of files) {
  globalThis.UVU_INDEX = idx++;
  globalThis.UVU_QUEUE.push([suite.name]);
  await import(pathToFileURL(suite.file).href);
}
await uvu.exec(false);
// Every suite has run and the summary is written (stdout to a pipe is synchronous on Linux): exit
// now. A test that failed before its cleanup can leave a server or a timer open, and the process
// then waited for it for good — `npm test` hung after printing its summary (seen in CI, once).
process.exit(process.exitCode ?? 0);
