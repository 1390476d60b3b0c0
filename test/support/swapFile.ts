/**
 * A swap device for a test that needs one: where the machine has none active, a 16 MiB swap
 * file in a temp directory, switched on (needs root, as CI's machine runs, and a file system that
 * takes swap files — not tmpfs; where either is missing the caller skips, saying why). `remove`
 * switches it off and deletes it; a machine that has swap already is left as it is.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export interface SwapFile {
  /** Its name in /proc/swaps, undefined when the machine's own swap is used. */
  readonly path: string | undefined;
  remove(): void;
}

const activeSwaps = (): number => {
  try {
    return readFileSync('/proc/swaps', 'utf8').trim().split('\n').length - 1;
  } catch {
    return 0;
  }
};

/** Swap that is on, or why there is none. */
export const swapOn = (sizeMiB = 16): SwapFile | { readonly missing: string } => {
  if (activeSwaps() > 0) return { path: undefined, remove: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-swap-'));
  const path = join(dir, 'swap');
  const steps: (readonly string[])[] = [['fallocate', '-l', `${sizeMiB}M`, path], ['chmod', '600', path], ['mkswap', path], ['swapon', path]];
  for (const [cmd, ...args] of steps) {
    const r = spawnSync(cmd!, args, { encoding: 'utf8' });
    if (r.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      return { missing: `no swap on this machine, and \`${cmd} ${args.join(' ')}\` failed (${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}); it needs root and a file system that takes swap files` };
    }
  }
  return {
    path,
    remove: () => {
      spawnSync('swapoff', [path]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
