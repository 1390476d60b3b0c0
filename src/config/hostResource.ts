/**
 * The resource attributes that say which machine this is — host.name, host.arch and host.id — as
 * the OpenTelemetry SDK's host detector (@opentelemetry/resources hostDetector) finds them, read
 * synchronously: host.id is the machine id of /etc/machine-id or /var/lib/dbus/machine-id (Linux;
 * elsewhere left out, where the SDK asks the registry or ioreg). A host source's metrics need them:
 * Instana's OTLP acceptor wants host.id to place them on a host, and without host.name every
 * machine's metrics fall into one set of series.
 */
import { arch, hostname } from 'node:os';
import { readFileSync } from 'node:fs';

/** Node's os.arch() → the semantic conventions' host.arch, as the SDK maps it. */
const ARCH: Readonly<Record<string, string>> = { arm: 'arm32', ppc: 'ppc32', x64: 'amd64' };

const MACHINE_ID_FILES = ['/etc/machine-id', '/var/lib/dbus/machine-id'];

const machineId = (root: string): string | undefined => {
  if (process.platform !== 'linux') return undefined;
  for (const path of MACHINE_ID_FILES) {
    try {
      const id = readFileSync(`${root}${path}`, 'utf8').trim();
      if (id !== '') return id;
    } catch {
      /* the next file, as the SDK does */
    }
  }
  return undefined;
};

/** The host's attributes; host.name always. */
export type HostResource = Readonly<Record<string, string>> & { readonly 'host.name': string };

/** The host's name under `root` (its /etc/hostname), else this process's (a container's is its own). */
const hostName = (root: string): string => {
  if (root === '') return hostname();
  try {
    return readFileSync(`${root}/etc/hostname`, 'utf8').trim() || hostname();
  } catch {
    return hostname();
  }
};

/**
 * Under `root` (a host source's rootPath: the machine's / mounted in a container) the machine's
 * name and id are read there: a container's own are not the host's (its name is the pod's).
 */
export const hostResource = (root = ''): HostResource => {
  const id = machineId(root);
  return { 'host.name': hostName(root), 'host.arch': ARCH[arch()] ?? arch(), ...(id !== undefined ? { 'host.id': id } : {}) };
};
