/**
 * The encoding worker's entry (started by offThreadEncoder.ts, one per process): turns packed
 * batches back into samples and encodes them with the same encoder the sink uses on its own
 * thread, so a request is byte for byte what in-thread encoding would have sent. Each sink is a
 * channel with its own resource, scope and series table. Every batch is answered, with the bytes
 * or with why it could not be encoded (the sink then encodes that batch itself).
 */
import { parentPort } from 'node:worker_threads';
import type { Attributes } from '../sample.js';
import { createBatchEncoder } from './batchEncoder.js';
import { createBatchUnpacker, type PackedBatch } from './batchColumns.js';
import type { InstrumentationScopeInfo } from './toResourceMetrics.js';

export type EncodeRequest =
  | { readonly channel: number; readonly open: { readonly resource: Attributes; readonly scope: InstrumentationScopeInfo | undefined } }
  | { readonly channel: number; readonly close: true }
  | { readonly channel: number; readonly seq: number; readonly packed: PackedBatch };
export type EncodeReply = { readonly seq: number; readonly bytes: Uint8Array } | { readonly seq: number; readonly error: string } | { readonly ready: true };

interface Channel {
  readonly resource: Attributes;
  readonly scope: InstrumentationScopeInfo | undefined;
  readonly unpack: ReturnType<typeof createBatchUnpacker>;
}
const channels = new Map<number, Channel>();
const encode = createBatchEncoder();
const port = parentPort!;

port.on('message', (m: EncodeRequest) => {
  if ('open' in m) return void channels.set(m.channel, { ...m.open, unpack: createBatchUnpacker() });
  if ('close' in m) return void channels.delete(m.channel);
  let reply: EncodeReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const channel = channels.get(m.channel);
    if (channel === undefined) throw new Error(`no channel ${m.channel}`);
    const buf = encode(channel.unpack(m.packed), channel.resource, channel.scope);
    // Hand the bytes over without a copy when they own their memory; else copy them out.
    const bytes = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength ? new Uint8Array(buf.buffer) : new Uint8Array(buf);
    reply = { seq: m.seq, bytes };
    transfer = [bytes.buffer as ArrayBuffer];
  } catch (e) {
    reply = { seq: m.seq, error: String((e as Error)?.message ?? e) };
  }
  port.postMessage(reply, transfer);
});
port.postMessage({ ready: true } satisfies EncodeReply);
