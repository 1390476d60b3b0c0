/** The chronoq command line (bin/chronoq.js runs `main`). */
export { main, parseArgs, HELP, VERSION } from './cli/main.js';
