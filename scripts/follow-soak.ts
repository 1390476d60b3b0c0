/**
 * A followed file across restarts and rotations, measured: a writer appends samples at RATE a
 * second to s.ndjson and renames it to s.ndjson.N every ROTATE ms; `chronoq run` follows it (with a
 * spool, into an NDJSON sink) and is stopped with SIGNAL every RESTART ms, started again GAP ms
 * later (env), for SECS seconds; a last run reads the rest. Prints how many samples were written,
 * delivered, missing and delivered twice. ROTATION=copytruncate (env) copies the file to s.ndjson.N
 * and truncates it in place instead, as logrotate's copytruncate does; REOPEN_MS=N (env) has the writer
 * go on writing to the renamed file for N ms after each rename, as one reopening in logrotate's
 * postrotate does. Not a test (wall-clock driven).
 *   npm run build && GAP=800 npx tsx scripts/follow-soak.ts [RATE 2000] [ROTATE 2500] [RESTART 3000] [SECS 24] [SIGNAL SIGTERM]
 */
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
const [RATE, ROTATE, RESTART, SECS, SIGNAL] = [Number(process.argv[2] ?? 2000), Number(process.argv[3] ?? 3000), Number(process.argv[4] ?? 4000), Number(process.argv[5] ?? 20), process.argv[6] ?? 'SIGTERM'];
const D = mkdtempSync(join(tmpdir(), 'chronoq-follow-soak-'));
const BIN = new URL('../bin/chronoq.js', import.meta.url).pathname; writeFileSync(`${D}/c.yaml`, `sources: [{type: ndjson, path: ${D}/s.ndjson, follow: true, pollMs: 100, positionFile: ${D}/pos.json}]
skew: {maxPastMs: 1e12}
reorder: {maxDelayMs: 200}
batch: {maxDelayMs: 100}
sink: {type: ndjson, path: ${D}/out.ndjson}
spool: {path: ${D}/spool.db}
deadLetter: {path: ${D}/dl.ndjson}
`);
const T0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;
let n = 0; let rot = 0; let runs = 0;
writeFileSync(`${D}/s.ndjson`, '');
/** Where the writer appends: the name, or for REOPEN_MS after a rename the renamed file (a writer reopening in logrotate's postrotate). */
let target = `${D}/s.ndjson`;
const REOPEN_MS = Number(process.env.REOPEN_MS ?? 0);
const writer = setInterval(() => { let s = ''; for (let i = 0; i < RATE / 20; i++, n++) s += JSON.stringify({ name: 'm', value: n, timeUnixNano: String(T0 + BigInt(n) * 1_000_000n), attributes: { k: String(n % 7) } }) + '\n'; appendFileSync(target, s); }, 50);
const copyTruncate = process.env.ROTATION === 'copytruncate';
const rotator = setInterval(() => {
  if (copyTruncate) (copyFileSync(`${D}/s.ndjson`, `${D}/s.ndjson.${++rot}`), truncateSync(`${D}/s.ndjson`, 0));
  else {
    renameSync(`${D}/s.ndjson`, `${D}/s.ndjson.${++rot}`);
    writeFileSync(`${D}/s.ndjson`, '');
    if (REOPEN_MS > 0) (target = `${D}/s.ndjson.${rot}`, setTimeout(() => (target = `${D}/s.ndjson`), REOPEN_MS));
  }
}, ROTATE);
const start = () => spawn(process.execPath, [BIN, 'run', `${D}/c.yaml`, '--log-format', 'json'], { stdio: ['ignore', 'ignore', 'pipe'] });
let logs = '';
const runFor = (ms: number, sig: string) => new Promise<void>((res) => { runs++; const c = start(); c.stderr!.on('data', (d) => (logs += d)); setTimeout(() => c.kill(sig as NodeJS.Signals), ms); c.on('exit', () => res()); });
const t0 = Date.now();
const GAP = Number(process.env.GAP ?? 0);
while (Date.now() - t0 < SECS * 1000) { await runFor(RESTART, SIGNAL); await new Promise((r) => setTimeout(r, GAP)); }
clearInterval(writer); clearInterval(rotator);
await runFor(4000, 'SIGTERM');
const vals = readFileSync(`${D}/out.ndjson`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).value as number);
const seen = new Map<number, number>(); for (const v of vals) seen.set(v, (seen.get(v) ?? 0) + 1);
let missing = 0; const gaps: string[] = [];
for (let i = 0; i < n; i++) if (!seen.has(i)) { missing++; if (seen.has(i - 1) || i === 0) gaps.push(String(i)); else gaps[gaps.length - 1] = `${gaps[gaps.length - 1]!.split('–')[0]}–${i}`; }
const dups = vals.length - seen.size;
console.log(`written ${n}, delivered ${vals.length}, distinct ${seen.size}, missing ${missing}, duplicates ${dups}, rotations ${rot}, runs ${runs} (stopped with ${SIGNAL} but the last)${gaps.length ? `; missing: ${gaps.slice(0, 10).join(', ')}` : ''}`);
if (!process.env['KEEP']) rmSync(D, { recursive: true, force: true });
else console.log(D);
console.log(logs.split('\n').filter((l) => /resumed|rotated|replaced|truncated|error|done/.test(l)).map((l) => { try { return JSON.parse(l).message.slice(0, 600); } catch { return l.slice(0, 160); } }).join('\n'));
