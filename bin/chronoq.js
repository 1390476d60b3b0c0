#!/usr/bin/env node
// The chronoq command. Runs the compiled CLI (npm install builds it via `prepare`).
import { main } from '../dist/src/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`chronoq: internal error: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
