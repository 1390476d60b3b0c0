/** What this process holds open (Linux: /proc/self/fd): shared by the suites that check a file is let go. */
import { readdirSync, readlinkSync } from 'node:fs';

/** Where each of this process's open file descriptors leads (a deleted file's ends in " (deleted)"). */
export const openFiles = (): string[] =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // closed between the listing and the look
    }
  });
