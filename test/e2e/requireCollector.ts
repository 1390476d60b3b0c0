/**
 * End-to-end suites need the collector (and some, Prometheus). Under REQUIRE_E2E=1 (CI) an
 * absence is a failure; elsewhere the suite's tests are skipped with one loud line saying why.
 */
import { findCollector } from '../support/collector.js';
import { findPrometheus } from '../support/prometheus.js';

export const collectorOrSkip = (suiteName: string): string | undefined => {
  const found = findCollector();
  if ('path' in found) return found.path;
  if (process.env['REQUIRE_E2E'] === '1') throw new Error(`REQUIRE_E2E=1 but the collector is unavailable: ${found.missing}`);
  console.log(`\n!!! SKIPPING ${suiteName}: no OpenTelemetry Collector (${found.missing}). Install Go >= 1.25 and run scripts/build-collector.sh. !!!\n`);
  return undefined;
};

/** The same for Prometheus (Debian's, on PATH): whether the suite's Prometheus tests can run. */
export const prometheusOrSkip = (suiteName: string): boolean => {
  const found = findPrometheus();
  if ('path' in found) return true;
  if (process.env['REQUIRE_E2E'] === '1') throw new Error(`REQUIRE_E2E=1 but ${found.missing}`);
  console.log(`\n!!! SKIPPING ${suiteName}: ${found.missing} !!!\n`);
  return false;
};
