/**
 * A followed file rotated often while delivery is held up, measured end to end: a writer appends
 * 2 000 samples/s to s.ndjson, which is rotated every 1.5 s — copied and truncated in place
 * (`copytruncate`, the default) or renamed with an empty file created under the name and the writer
 * reopening 0.3 s later (`rename`), or by each in turn (`mixed`: copied, then renamed, …);
 * `chronoq run` follows it (maxQueued 3 000, so reading waits for room as soon as delivery stops)
 * into a real collector that is SIGSTOPped for 5 s every 9 s, and
 * chronoq is kill -9ed at every second stop. Prints how many samples were written, how many reached
 * the collector (distinct, missing, duplicates, per-series inversions). Not a test (wall-clock
 * driven, ~75 s).
 *   npm run build && npx tsx scripts/follow-outage-soak.ts [copytruncate|rename|mixed]
 */
import { appendFileSync, copyFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { findCollector, startCollector, readReceived } from '../test/support/collector.js';
const ROT = process.argv[2] ?? 'copytruncate';
const c = await startCollector((findCollector() as { path: string }).path);
const D = mkdtempSync(join(tmpdir(), 'chronoq-follow-outage-'));
try {
  writeFileSync(join(D, 'c.yaml'), `sources: [{type: ndjson, path: ${D}/s.ndjson, follow: true, pollMs: 100, positionFile: ${D}/pos.json}]
skew: {maxPastMs: 1e12}
reorder: {maxDelayMs: 200}
batch: {maxDelayMs: 100}
delivery: {maxQueued: 3000, lanes: 2, retry: {maxDelayMs: 1000}, breaker: {maxHalfOpenAfterMs: 2000}}
sink: {type: otlp-grpc, endpoint: ${c.endpoint}, timeoutMs: 2000}
deadLetter: {path: ${D}/dl.ndjson}
`);
  const T0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;
  let n = 0, rot = 0;
  writeFileSync(`${D}/s.ndjson`, '');
  let target = `${D}/s.ndjson`;
  const writer = setInterval(() => { let s = ''; for (let i = 0; i < 100; i++, n++) s += JSON.stringify({ name: 'm', value: n, timeUnixNano: String(T0 + BigInt(n) * 1_000_000n), attributes: { k: String(n % 5) } }) + '\n'; appendFileSync(target, s); }, 50);
  const rotator = setInterval(() => {
    const how = ROT === 'mixed' ? (rot % 2 === 0 ? 'copytruncate' : 'rename') : ROT;
    if (how === 'copytruncate') (copyFileSync(`${D}/s.ndjson`, `${D}/s.ndjson.${++rot}`), truncateSync(`${D}/s.ndjson`, 0));
    else { renameSync(`${D}/s.ndjson`, `${D}/s.ndjson.${++rot}`); writeFileSync(`${D}/s.ndjson`, ''); target = `${D}/s.ndjson.${rot}`; setTimeout(() => (target = `${D}/s.ndjson`), 300); }
  }, 1500);
  let logs = '';
  const start = () => { const ch = spawn(process.execPath, [new URL('../bin/chronoq.js', import.meta.url).pathname, 'run', join(D, 'c.yaml')], { stdio: ['ignore', 'ignore', 'pipe'] }); ch.stderr!.on('data', (d) => (logs += d)); return ch; };
  /** Resolves when the process has ended (at once when it has: a run that stopped early, on a config error, is not waited for). */
  const ended = (ch: ReturnType<typeof start>) => (ch.exitCode !== null || ch.signalCode !== null ? Promise.resolve() : new Promise((r) => ch.on('close', r)));
  let child = start();
  const t0 = Date.now(); let stops = 0, kills = 0;
  while (Date.now() - t0 < 45_000) {
    await new Promise((r) => setTimeout(r, 4000));
    c.signal('SIGSTOP'); stops++;
    await new Promise((r) => setTimeout(r, 5000));
    if (stops % 2 === 0) { child.kill('SIGKILL'); await ended(child); kills++; child = start(); }
    c.signal('SIGCONT');
  }
  clearInterval(writer); clearInterval(rotator);
  await new Promise((r) => setTimeout(r, 12_000));
  child.kill('SIGTERM'); await ended(child);
  await new Promise((r) => setTimeout(r, 1500));
  const pts = readReceived(c.output);
  const seen = new Set<number>(); let dup = 0; const last = new Map<string, number>(); let inv = 0;
  for (const p of pts) { const v = Number(p.value); if (seen.has(v)) { dup++; continue; } seen.add(v); const l = last.get(p.series); if (l !== undefined && v < l) inv++; last.set(p.series, v); }
  let missing = 0; const gaps: number[] = []; for (let i = 0; i < n; i++) if (!seen.has(i)) { missing++; if (gaps.length < 10) gaps.push(i); }
  console.log(`${ROT}: written ${n}, received ${pts.length}, distinct ${seen.size}, missing ${missing} ${gaps.join(',')}, duplicates ${dup}, inversions ${inv}, rotations ${rot}, stops ${stops}, kills ${kills}`);
  console.log(logs.split('\n').filter((l) => /truncated|rotated|resumed|ERROR|done/.test(l)).map((l) => l.slice(25, 230)).slice(-12).join('\n'));
} finally {
  await c.stop();
  rmSync(D, { recursive: true, force: true });
}
