#!/usr/bin/env node
// The chronoq command. Runs the compiled CLI: the package ships it built (`prepack` builds it);
// a clone of the repository builds it with `npm test` or `npm run build`.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('chronoq: not built (no dist/src/cli.js): run `npm run build` in the chronoq folder first\n');
  process.exitCode = 1;
} else {
  const { main } = await import(cli.href);
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`chronoq: internal error: ${error?.stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
}
