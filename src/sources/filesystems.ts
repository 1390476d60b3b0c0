/**
 * Space and inodes of the machine's file systems, as the Collector's hostmetrics receiver's
 * filesystem scraper has them (v0.159, gopsutil v4, its defaults): the mounts of
 * /proc/1/mountinfo (else this process's), those of a type that needs a device (`nodev` types in
 * /proc/filesystems — proc, tmpfs, overlay, cgroup, nfs — are left out, as the receiver leaves
 * out "virtual" file systems; zfs is kept), each with its device (realDevice), mode (`rw`/`ro`),
 * mount point and type; bytes `used` (blocks − free blocks), `free` (blocks available to users)
 * and `reserved` (the rest, for root), and inodes `used` and `free`. Linux only (elsewhere none:
 * Node has no list of mounts).
 *
 * chronoq sent none of it: the first thing a machine running out of disk needs, and a disk that
 * fills is what stops its services (and chronoq's own spool).
 */
import { readlinkSync, realpathSync, statfsSync } from 'node:fs';
import { statfs as statfsAsync } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Sample } from '../sample.js';
import { upDown } from './hostShapes.js';
import { parsedOr } from './procText.js';

export interface FilesystemUsage {
  readonly device: string;
  readonly mode: string;
  readonly mountpoint: string;
  readonly type: string;
  readonly bytes: { readonly used: number; readonly free: number; readonly reserved: number };
  readonly inodes: { readonly used: number; readonly free: number };
}

export interface Mount {
  readonly device: string;
  readonly mode: string;
  readonly mountpoint: string;
  readonly type: string;
}

/** The types of /proc/filesystems that need a device (not marked `nodev`), and zfs (nodev, but a disk's), as gopsutil takes them. */
export const deviceFsTypes = (procFilesystems: string): Set<string> =>
  new Set(procFilesystems.split('\n').flatMap((l) => {
    const [flag, name] = l.split('\t');
    const type = name?.trim() ?? '';
    return type !== '' && (flag === '' || type === 'zfs') ? [type] : [];
  }));

/**
 * The device as gopsutil names it: an LVM or dm-crypt volume by what its /dev/mapper link points
 * to (`/dev/dm-0`), and `/dev/root` (a kernel's root= device: a Raspberry Pi's, an embedded
 * board's) by its major:minor in /sys (`/dev/mmcblk0p2`); else as mountinfo says.
 */
export const realDevice = (device: string, majorMinor: string, root = ''): string => {
  try {
    // Under a root (the host's file system in a container), its own links, named as the host names them.
    if (device.startsWith('/dev/mapper/')) {
      const real = realpathSync(`${root}${device}`);
      return real.startsWith(`${root}/`) ? real.slice(root.length) : real;
    }
    if (device === '/dev/root') return `/dev/${basename(readlinkSync(`${root}/sys/dev/block/${majorMinor}`))}`;
  } catch {
    // left as mountinfo names it
  }
  return device;
};

/** Octal escapes of mountinfo (`\040` for a space, as in fstab). */
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * The mounts of a mountinfo text whose type is in `types`:
 * `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`.
 */
export const parseMountInfo = (text: string, types: ReadonlySet<string>, resolve: (device: string, majorMinor: string) => string = realDevice): Mount[] =>
  text.split('\n').flatMap((line) => {
    const [before, after] = line.split(' - ');
    if (before === undefined || after === undefined) return [];
    const fields = before.split(' ');
    const [type, source] = after.split(' ');
    const mountpoint = fields[4];
    const options = fields[5]?.split(',') ?? [];
    if (mountpoint === undefined || type === undefined || source === undefined || source === 'none' || !types.has(type)) return [];
    const mode = options.includes('rw') ? 'rw' : options.includes('ro') ? 'ro' : 'unknown';
    return [{ device: resolve(unescape(source), fields[2] ?? ''), mode, mountpoint: unescape(mountpoint), type }];
  });

/**
 * This machine's mounts of the types that need a device (none where /proc has no mountinfo). Under
 * `root`, the host's init's (a container's own /proc/self would be the container's mounts). Without
 * one, init's, else this process's (init's is not readable by a user other than its own).
 */
export const readMounts = (root = '', mountinfoFiles = root === '' ? ['/proc/1/mountinfo', '/proc/self/mountinfo'] : [`${root}/proc/1/mountinfo`]): Mount[] => {
  const types = parsedOr(`${root}/proc/filesystems`, deviceFsTypes, undefined);
  if (types === undefined) return [];
  for (const file of mountinfoFiles) {
    const mounts = parsedOr(file, (text) => parseMountInfo(text, types, (device, majorMinor) => realDevice(device, majorMinor, root)), undefined);
    if (mounts !== undefined) return mounts; // else not readable here: the next one
  }
  return [];
};

/** What statfs(2) says of a file system: sizes in blocks of `bsize` bytes, and inodes (`files`). */
export interface StatFsNumbers {
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
}

const usageOf = (m: Mount, s: StatFsNumbers): FilesystemUsage => {
  const total = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const free = s.bavail * s.bsize;
  return { ...m, bytes: { used, free, reserved: total - used - free }, inodes: { used: s.files - s.ffree, free: s.ffree } };
};

/** The usage of each mount a statfs answers for (one that does not is left out, as the receiver does). */
export const readFilesystems = (mounts: readonly Mount[] = readMounts(), statfs: (path: string) => StatFsNumbers = (p) => statfsSync(p)): FilesystemUsage[] =>
  mounts.flatMap((m) => {
    try {
      return [usageOf(m, statfs(m.mountpoint))];
    } catch {
      return [];
    }
  });

/**
 * statfs of each mount off the event loop, each mount's usage handed to `use` when its answer
 * comes. A mount whose statfs has not answered since an earlier call (a FUSE-backed file system,
 * fuseblk — an NTFS disk's — whose daemon hung) is not asked again until it does: the event loop,
 * and delivery with it, goes on, and the other mounts are reported (statfsSync on such a mount
 * would hold chronoq whole). One that fails is left out, as readFilesystems leaves it.
 */
export const statfsOffLoop = (statfs: (path: string) => Promise<StatFsNumbers> = (p) => statfsAsync(p), root = '') => {
  const asking = new Set<string>();
  return (mounts: readonly Mount[], use: (usage: FilesystemUsage) => void): void => {
    for (const m of mounts) {
      if (asking.has(m.mountpoint)) continue;
      asking.add(m.mountpoint);
      // Under a root, the host's mount point as the container sees it; named as the host names it.
      statfs(`${root}${m.mountpoint}`).then(
        (s) => {
          asking.delete(m.mountpoint);
          use(usageOf(m, s));
        },
        () => asking.delete(m.mountpoint),
      );
    }
  };
};

/** A file system's samples at `t`: bytes used, free, reserved and inodes used, free, counting since `start`. */
export const filesystemSamples = (f: FilesystemUsage, t: bigint, start: bigint): Sample[] => {
  const fs = { device: f.device, mode: f.mode, mountpoint: f.mountpoint, type: f.type };
  return [
    ...(['used', 'free', 'reserved'] as const).map((state) => upDown('system.filesystem.usage', f.bytes[state], { ...fs, state }, t, start)),
    ...(['used', 'free'] as const).map((state) => upDown('system.filesystem.inodes.usage', f.inodes[state], { ...fs, state }, t, start, '{inodes}')),
  ];
};
