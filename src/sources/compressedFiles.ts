/**
 * Compressed NDJSON files, told by their first bytes (not their names). A gzip file — logrotate's
 * `compress` (app.ndjson.2.gz), an archive to backfill — is read through zlib; its bytes were read
 * as lines: a dead letter `invalid` for each run of bytes between newlines ("not JSON: Unexpected
 * token"), and none of its samples. So is a zstd one — the Collector's file exporter with
 * `compression: zstd` — where Node's zlib has zstd (22.15 and later); on an older Node it is
 * refused saying how to read it. A compressed file cannot be followed (it grows by whole
 * compressed blocks, not lines): that is refused too.
 *
 * ```
 * file:    1f 8b …  (gzip)         28 b5 2f fd …  (zstd)
 * read:    createGunzip → lines    createZstdDecompress → lines, or: zstd -dc FILE | chronoq run (path: -)
 * ```
 */
import { createReadStream, statSync } from 'node:fs';
import { type Readable, type Transform, pipeline } from 'node:stream';
import * as zlib from 'node:zlib';
import { fileHead } from '../fileIdentity.js';

export type Compression = 'gzip' | 'zstd';

const MAGIC: readonly [Compression, readonly number[]][] = [['gzip', [0x1f, 0x8b]], ['zstd', [0x28, 0xb5, 0x2f, 0xfd]]];

/** How the file at `path` is compressed, by its first bytes; undefined for none (or unreadable: opening it says why). */
export const compressionOf = (path: string): Compression | undefined => {
  let head: Buffer;
  try {
    head = fileHead(path, 4);
  } catch {
    return undefined;
  }
  return MAGIC.find(([, bytes]) => bytes.every((b, i) => head[i] === b))?.[0];
};

/** zlib's zstd decompressor where this Node has one (22.15 and later). */
const zstdDecompressor = (): (() => Transform) | undefined => {
  const make = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
  return typeof make === 'function' ? () => make() : undefined;
};

/** Why the file cannot be read as a source as it is (compressed, and followed or of a kind this Node cannot read), and what to do. */
export const compressedFileProblem = (path: string, follow: boolean, compression: Compression | undefined = compressionOf(path)): string | undefined => {
  if (compression === undefined) return undefined;
  const tool = compression === 'gzip' ? 'zcat' : 'zstd -dc';
  if (follow) return `a ${compression}-compressed file, which cannot be followed (it grows by compressed blocks, not lines): read it once, without follow`;
  if (compression === 'zstd' && zstdDecompressor() === undefined) return `a zstd-compressed file, which Node ${process.versions.node} cannot read (22.15 and later can): ${tool} ${path} | chronoq run with the source's path: -`;
  return undefined;
};

export interface DecompressedFile {
  /** The file's lines' bytes, decompressed: a stream that errors as the file or its compressed data does. */
  readonly stream: Readable;
  /** Compressed bytes not read from the file yet (a stop before its end says how much was left). */
  unreadBytes(): number;
}

export const decompressedFile = (path: string, compression: Compression): DecompressedFile => {
  const file = createReadStream(path);
  const decompress = compression === 'gzip' ? zlib.createGunzip() : zstdDecompressor()!();
  // pipeline passes an error of the file's stream on to the decompressor's, which the reader hears.
  const stream = pipeline(file, decompress, () => undefined);
  const size = statSync(path).size;
  return { stream, unreadBytes: () => Math.max(0, size - file.bytesRead) };
};

/** The command that prints a compressed file's lines from `line` on. */
export const compressedRestCommand = (path: string, compression: Compression, line: number): string =>
  `${compression === 'gzip' ? 'zcat' : 'zstd -dc'} ${path} | tail -n +${line}`;
