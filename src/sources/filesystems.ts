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
import { readFileSync, readlinkSync, realpathSync, statfsSync } from 'node:fs';
import { basename } from 'node:path';

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
export const realDevice = (device: string, majorMinor: string): string => {
  try {
    if (device.startsWith('/dev/mapper/')) return realpathSync(device);
    if (device === '/dev/root') return `/dev/${basename(readlinkSync(`/sys/dev/block/${majorMinor}`))}`;
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

const readMounts = (): Mount[] => {
  let types: Set<string>;
  try {
    types = deviceFsTypes(readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return [];
  }
  for (const file of ['/proc/1/mountinfo', '/proc/self/mountinfo']) {
    try {
      return parseMountInfo(readFileSync(file, 'utf8'), types);
    } catch {
      // not readable here: the next one
    }
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

/** The usage of each mount a statfs answers for (one that does not is left out, as the receiver does). */
export const readFilesystems = (mounts: readonly Mount[] = readMounts(), statfs: (path: string) => StatFsNumbers = (p) => statfsSync(p)): FilesystemUsage[] =>
  mounts.flatMap((m) => {
    try {
      const s = statfs(m.mountpoint);
      const total = s.blocks * s.bsize;
      const used = (s.blocks - s.bfree) * s.bsize;
      const free = s.bavail * s.bsize;
      return [{ ...m, bytes: { used, free, reserved: total - used - free }, inodes: { used: s.files - s.ffree, free: s.ffree } }];
    } catch {
      return [];
    }
  });
