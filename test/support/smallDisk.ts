/**
 * A real file system that fills up: a 1 MiB tmpfs mounted in a temp directory (needs root, as
 * CI's machine runs; where mounting is not allowed the caller skips, saying why). `fill` writes a
 * file of zeros until the disk refuses (ENOSPC), `free` deletes it, `unmount` ends it all.
 */
import { suite } from 'uvu';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export interface SmallDisk {
  readonly dir: string;
  fill(): void;
  free(): void;
  unmount(): void;
}

/** The disk, or why there is none. */
export const mountSmallDisk = (sizeKiB = 1024): SmallDisk | { readonly missing: string } => {
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-small-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { missing: `cannot mount a tmpfs (${(mounted.stderr || mounted.error?.message || `exit ${mounted.status}`).trim()}); it needs root` };
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill: () => {
      const fd = openSync(filler, 'a');
      try {
        for (;;) writeSync(fd, Buffer.alloc(64 * 1024));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      } finally {
        closeSync(fd);
      }
      // What a short write left: the last few bytes too.
      try {
        for (;;) writeFileSync(filler, Buffer.alloc(512), { flag: 'a' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      }
    },
    free: () => rmSync(filler, { force: true }),
    unmount: () => {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/**
 * A uvu suite on a small disk: `it` is the suite where one could be mounted, else its skip (said
 * with a loud line, and why); the disk is emptied after each test and unmounted after the suite.
 */
export const smallDiskSuite = (name: string) => {
  const test = suite(name);
  const disk = mountSmallDisk();
  const mounted = 'dir' in disk;
  if (!mounted) console.log(`\n!!! SKIPPING ${name}: ${disk.missing} !!!\n`);
  test.after.each(() => {
    if (mounted) disk.free();
  });
  test.after(() => {
    if (mounted) disk.unmount();
  });
  return { test, it: mounted ? test : test.skip, disk: disk as SmallDisk };
};
