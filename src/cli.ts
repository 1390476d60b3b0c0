/** The chronoq command line (bin/chronoq.js runs `main`). */
export { main, parseArgs, HELP } from './cli/main.js';
export { VERSION } from './version.js';
