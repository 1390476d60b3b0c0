/**
 * `npm run e2e:report`: runs the end-to-end scenarios against a real collector: through chronoq,
 * through the stock OpenTelemetry SDK path, and through that path exporting to chronoq's otlp
 * source (`npm run build` first: it runs the command), and prints one table:
 * scenario | path | sent | delivered | lost | inversions | re-stamped | duplicates | dead-lettered
 */
import { findCollector, startCollector, type Collector } from '../test/support/collector.js';
import { runChronoq, runStock, runStockThroughChronoq, killAndRestart, stopAndContinue } from '../test/e2e/scenarios.js';
import { formatTable, type Measures } from '../test/e2e/measure.js';

const found = findCollector();
if (!('path' in found)) {
  console.error(`no collector: ${found.missing}`);
  process.exit(2);
}
const binary = found.path;
const withCollector = async (fn: (c: Collector) => Promise<Measures>, opts = {}): Promise<Measures> => {
  const c = await startCollector(binary, opts);
  try {
    return await fn(c);
  } finally {
    await c.stop();
  }
};

const rows: (Measures & { scenario: string; path: string })[] = [];
const add = async (scenario: string, path: string, run: () => Promise<Measures>) => {
  process.stderr.write(`running ${scenario} / ${path} …\n`);
  const { sent, delivered, lost, inversions, restamped, duplicates, deadLettered } = await run();
  rows.push({ scenario, path, sent, delivered, lost, inversions, restamped, duplicates, deadLettered });
};

const huge = 'x'.repeat(2 * 1024 * 1024);
await add('steady 10 s', 'chronoq', () => withCollector((c) => runChronoq({ collector: c, series: 3, ratePerSecond: 1_000, durationMs: 10_000 })));
await add('steady 10 s', 'stock SDK', () => withCollector((c) => runStock({ collector: c, series: 3, intervalMs: 1_000, durationMs: 10_000 })));
await add('outage 20 s (SIGKILL)', 'chronoq', () => withCollector((c) => runChronoq({ collector: c, series: 3, ratePerSecond: 1_000, durationMs: 30_000, fault: killAndRestart(3_000, 20_000) })));
await add('outage 20 s (SIGKILL)', 'stock SDK', () => withCollector((c) => runStock({ collector: c, series: 3, intervalMs: 1_000, durationMs: 30_000, fault: killAndRestart(3_000, 20_000) })));
await add('outage 20 s (SIGKILL)', 'stock SDK → chronoq', () => withCollector((c) => runStockThroughChronoq({ collector: c, series: 3, intervalMs: 1_000, durationMs: 30_000, fault: killAndRestart(3_000, 20_000) })));
await add('hang 15 s (SIGSTOP)', 'chronoq', () => withCollector((c) => runChronoq({ collector: c, series: 3, ratePerSecond: 1_000, durationMs: 25_000, fault: stopAndContinue(3_000, 15_000) })));
await add('hang 15 s (SIGSTOP)', 'stock SDK', () => withCollector((c) => runStock({ collector: c, series: 3, intervalMs: 1_000, durationMs: 25_000, fault: stopAndContinue(3_000, 15_000) })));
await add('hang 15 s (SIGSTOP)', 'stock SDK → chronoq', () => withCollector((c) => runStockThroughChronoq({ collector: c, series: 3, intervalMs: 1_000, durationMs: 25_000, fault: stopAndContinue(3_000, 15_000) })));
await add('permanent rejection', 'chronoq', () =>
  withCollector((c) => runChronoq({ collector: c, series: 3, ratePerSecond: 1_000, durationMs: 4_000, transform: (s) => (s.value === 6_000 ? { ...s, attributes: { ...s.attributes, blob: huge } } : s) }), { maxRecvMiB: 1 }),
);
console.log(formatTable(rows));
