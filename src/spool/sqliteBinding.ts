/**
 * The spool is SQLite through better-sqlite3, a native module. When its compiled part is missing
 * — npm 11 runs a dependency's install script (which builds or downloads it) only once the project
 * allows it — or was built for another Node (after a Node upgrade), opening a spool failed with
 * better-sqlite3's own words: "cannot open ./chronoq-spool.db.lock (the spool's owner lock): Could
 * not locate the bindings file. Tried: …" and thirteen paths, nothing about what to do. This names
 * the cause and the two ways out.
 */

/** better-sqlite3 (through `bindings`) and Node's dlopen, failing to load the module. */
const LOAD_FAILURE = /Could not locate the bindings file|NODE_MODULE_VERSION|better_sqlite3\.node|invalid ELF header|wrong ELF class/;

/** True when `e` says better-sqlite3's compiled module could not be loaded. */
export const isSqliteLoadFailure = (e: unknown): boolean => e instanceof Error && LOAD_FAILURE.test(e.message);

/** Said when a pipeline's spool cannot be opened: what doing without one means. */
export const WITHOUT_SPOOL = 'Or run without a spool (a config with no `spool`): samples still wait for the receiver, but not across a crash or restart';

/**
 * What to tell a user whose spool `path` could not be opened because of `e` (isSqliteLoadFailure):
 * the cause in one line, how to build the module, and `alternative` if any.
 */
export const sqliteLoadFailure = (path: string, e: Error, alternative?: string): Error => {
  const cause = e.message.replace(/^cannot (open|take) .*?: /, '').split('\n')[0]!.replace(/ Tried:$/, '').replace(/\.$/, '');
  return new Error(
    `cannot open the spool ${path}: better-sqlite3's native module (SQLite) is not built for this Node ${process.version} (${cause}). ` +
      'Build it where chronoq is installed: `npm rebuild better-sqlite3` (npm 11 runs its install script only once allowed: `npm install-scripts approve better-sqlite3`)' +
      (alternative !== undefined ? `. ${alternative}` : ''),
  );
};
