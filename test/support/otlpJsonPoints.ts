/**
 * The data points of OTLP/JSON lines — a Collector file exporter's output — each as one text that
 * holds all it says, with its series and time: what end-to-end tests compare between a sender's
 * file and a receiver's.
 */
import { existsSync, readFileSync } from 'node:fs';

type Json = Record<string, unknown>;
export const sortedAttrs = (a: unknown) => [...((a as Json[] | undefined) ?? [])].sort((x, y) => String(x['key']).localeCompare(String(y['key'])));

/** The file's whole lines (one being written is left for later), none when it is not there yet. */
export const wholeLines = (file: string): string[] => {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l.trim() !== '');
};

/** Every data point of a file exporter's output as one text holding all it says, with its series and time, in file order. */
export const pointsOf = (file: string): { text: string; series: string; time: bigint }[] =>
  wholeLines(file).flatMap((line) =>
    ((JSON.parse(line) as Json)['resourceMetrics'] as Json[]).flatMap((rm) =>
      ((rm['scopeMetrics'] as Json[] | undefined) ?? []).flatMap((sm) =>
        ((sm['metrics'] as Json[] | undefined) ?? []).flatMap((m) => {
          const type = ['gauge', 'sum', 'histogram', 'exponentialHistogram'].find((k) => m[k] !== undefined)!;
          const { dataPoints, ...data } = m[type] as Json;
          return (dataPoints as Json[]).map((p) => {
            // An empty unit or description is none (proto3: '' is unset; the Collector leaves them out, the JS conversion writes them).
            const series = JSON.stringify([sortedAttrs((rm['resource'] as Json)['attributes']), sm['scope'], sm['schemaUrl'], m['name'], m['unit'] || null, m['description'] || null, type, data, sortedAttrs(p['attributes'])]);
            return { text: JSON.stringify([series, { ...p, attributes: undefined }]), series, time: BigInt(p['timeUnixNano'] as string) };
          });
        }))));
