/**
 * npm run bench:wrk -w runtime: the server measured from outside with C load generators (Debian's `wrk` and
 * `h2load`), never from this process. Writes bench/WRK-RESULTS.md and its chart bench/WRK-RESULTS.svg.
 *
 *   apt-get install -y wrk nghttp2-client   (librsvg2-bin too, for a PNG of the chart)
 *   npm run build -w runtime && npx tsx runtime/bench/wrk.ts [--seconds 5] [--rounds 3] [--only side,mixed,grpc]
 *
 * Sections (all by default; --only picks some):
 *   side   the server beside the peer (bench/peer-server.js: fastify + session.run inline), batch-1 OIP JSON:
 *          the demo MLP (784-128-64-10) at c=1 and c=64, the platform CNN at c=64; ROUNDS alternating rounds
 *          (the order flips each round) of SECONDS after a 1 s warm-up; medians and server/peer ratios.
 *   mixed  the platform trio (examples/platform-models: fraud, cnn, sentiment) served by ONE server process,
 *          driven at --mixed-rate req/s in all (default 1000, the seeds' target) split evenly over the three
 *          routes: one wrk per model in parallel, each offering its share on a schedule (Lua delay() on the
 *          monotonic clock: slots 1000/rate ms apart, so slower answers do not lower the offer) over its own connections,
 *          each reporting its own achieved rate and p50/p95/p99 from its Lua done() (per-model latency, not an
 *          aggregate); ROUNDS rounds of --mixed-seconds, medians. Targets: fraud p99 < 50 ms, sentiment
 *          (transformer) p99 < 200 ms.
 *   grpc   gRPC with raw tensors against REST JSON on a 1 MiB input (FP32 [1, 262144] -> ReduceMean), both
 *          driven by h2load (gRPC: a pre-built length-prefixed ModelInferRequest body, content-type
 *          application/grpc and te: trailers; REST: --h1), --grpc-clients connections; one gRPC call is checked
 *          for grpc-status 0 first, since h2load counts only HTTP statuses.
 *
 * `--baseline DIST/main.js` adds a third server (e.g. an earlier build) to the side section; `--env KEY=VALUE`
 * adds server variables. `--profile SECONDS` instead runs the server under `node --cpu-prof` with wrk on one case
 * of the side section (`--profile-case N`: 0 MLP c=1, the default; 1 MLP c=64; 2 CNN c=64) and prints the top
 * self-time functions of each busy thread (`--profile-peer`: the peer instead). Never a test: timings depend on
 * the machine.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import os from 'node:os';
import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import { buildModel } from '../../scripts/onnx-builder';
import { PLATFORM_MODELS_DIR, platformSamples } from '../../scripts/platform-models';

const argv = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const SECONDS = arg('seconds', 5);
const ROUNDS = arg('rounds', 3);
const MIXED_RATE = arg('mixed-rate', 1000);
const MIXED_SECONDS = arg('mixed-seconds', 10);
const MIXED_CONNECTIONS = arg('mixed-connections', 8);
const GRPC_CLIENTS = arg('grpc-clients', 4);
const PROFILE_SECONDS = arg('profile', 0);
const PROFILE_PEER = argv.includes('--profile-peer');
const PROFILE_CASE = arg('profile-case', 0);
const onlyAt = argv.indexOf('--only');
const ONLY = new Set(onlyAt >= 0 ? argv[onlyAt + 1]!.split(',') : ['side', 'mixed', 'grpc']);
const EXTRA_ENV: Record<string, string> = {};
argv.forEach((a, i) => {
  if (a === '--env') {
    const [k, ...v] = argv[i + 1]!.split('=');
    EXTRA_ENV[k!] = v.join('=');
  }
});
const baselineAt = argv.indexOf('--baseline');
const BASELINE = baselineAt >= 0 ? argv[baselineAt + 1] : undefined;

type Which = 'server' | 'baseline' | 'peer';
const here = __dirname;
const tmp = join(here, 'tmp', `wrk-${process.pid}`);
mkdirSync(tmp, { recursive: true });
const MAIN = join(here, '..', 'dist', 'main.js');

// ---------------------------------------------------------------------------------------------- models, bodies
interface Case {
  /** Route name and folder name in its repository. */
  model: string;
  file: string;
  connections: number;
  body: string;
}
const digitsRow = Array.from({ length: 784 }, (_, k) => ((7919 + k * 104729) % 1000) / 1000);
const samples = platformSamples();
/** Batch-1 OIP JSON body: the first row of a platform sample. */
function firstRow(name: keyof typeof samples): string {
  const s = samples[name];
  const per = s.data.length / s.shape[0]!;
  return JSON.stringify({ inputs: [{ name: s.name, datatype: s.datatype, shape: [1, ...s.shape.slice(1)], data: s.data.slice(0, per) }] });
}
const MLP_BODY = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 784], data: digitsRow }] });
const DIGITS = join(here, '..', '..', 'examples', 'models', 'digits-classifier', '1', 'model.onnx');
const platformFile = (name: string) => join(PLATFORM_MODELS_DIR, name, '1', 'model.onnx');
const SIDE_CASES: Case[] = [
  { model: 'digits-classifier', file: DIGITS, connections: 1, body: MLP_BODY },
  { model: 'digits-classifier', file: DIGITS, connections: 64, body: MLP_BODY },
  { model: 'cnn', file: platformFile('cnn'), connections: 64, body: firstRow('cnn') },
];
const caseLabel = (c: Case) => `${c.model === 'digits-classifier' ? 'MLP' : c.model.toUpperCase()} c=${c.connections}`;

/** A one-model repository: <tmp>/<tag>/<model>/1/model.onnx. */
function oneModelRepository(tag: string, model: string, file: string): string {
  const root = join(tmp, tag);
  mkdirSync(join(root, model, '1'), { recursive: true });
  copyFileSync(file, join(root, model, '1', 'model.onnx'));
  return root;
}

// ---------------------------------------------------------------------------------------------- processes
function waitReady(port: number, path: string, body?: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const req = http.request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        if (res.statusCode === 200) resolve();
        else retry();
      });
      req.on('error', retry);
      req.end(body);
    };
    const retry = () => (Date.now() > deadline ? reject(new Error(`port ${port} never became ready`)) : setTimeout(tick, 200));
    tick();
  });
}

const children: ChildProcess[] = [];
async function startServer(which: Which, port: number, root: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ChildProcess> {
  const main = which === 'baseline' ? BASELINE! : MAIN;
  const child = spawn(process.execPath, [...nodeArgs, main, 'serve', '--model-repository', root, '--port', String(port)], {
    env: { ...process.env, MODEL_SERVER_GRPC_PORT: '0', MODEL_SERVER_LOG_LEVEL: 'warn', ...(which === 'server' ? EXTRA_ENV : {}), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  await waitReady(port, '/v2/health/ready');
  return child;
}

async function startPeer(port: number, c: Case, nodeArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, join(here, 'peer-server.js'), String(port), c.file], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitReady(port, `/v2/models/${c.model}/infer`, c.body);
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function inlineWhenIdle(port: number, model: string): Promise<string> {
  const text = await new Promise<string>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: `/v2/models/${model}` }, (res) => {
      let t = '';
      res.on('data', (c: Buffer) => (t += c.toString()));
      res.on('end', () => resolve(t));
    }).on('error', reject);
  });
  return String((JSON.parse(text) as { parameters: { inline_when_idle?: boolean } }).parameters.inline_when_idle);
}

// ---------------------------------------------------------------------------------------------- wrk
interface Run {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  errors: number;
}

/**
 * Every wrk script ends with this done(): one machine-readable line with the run's own latency histogram
 * (microseconds) and counts, so p95 is available (wrk --latency prints 50/75/90/99 only).
 */
const DONE_LUA = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK-RESULT {\\"requests\\":%d,\\"duration_us\\":%d,\\"errors\\":%d,\\"p50\\":%d,\\"p95\\":%d,\\"p99\\":%d}\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
`;

/**
 * A delay() that holds one wrk thread to `perThreadRate` requests a second on a schedule: each request takes
 * the next slot (slots `1000 / rate` ms apart, on the monotonic clock, read through LuaJIT's ffi since wrk's
 * Lua has no millisecond clock) and waits until it; a request whose slot has passed goes at once, so slots
 * missed while every connection waited for an answer (or wrk itself was descheduled) are made up, up to
 * 250 ms of them, as arrivals queue in real traffic. So the offered rate does not fall when answers take
 * longer (a fixed pause after each answer would: connections / (pause + latency)).
 */
function pacedDelay(perThreadRate: number): string {
  return `
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } wrk_timespec;
int clock_gettime(int clk_id, wrk_timespec *tp);
]]
local ts = ffi.new("wrk_timespec")
local function now_ms() ffi.C.clock_gettime(1, ts); return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6 end
local period = ${(1000 / perThreadRate).toFixed(4)}
local next_at = 0
delay = function()
  local t = now_ms()
  if next_at < t - 250 then next_at = t end
  local wait = next_at - t
  next_at = next_at + period
  return math.floor(wait)
end
`;
}

function luaScript(tag: string, body: string, pacing?: string): string {
  const path = join(tmp, `${tag}.lua`);
  writeFileSync(path, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n${pacing ?? ''}${DONE_LUA}`);
  return path;
}

function parseWrk(out: string): Run {
  const m = /WRK-RESULT (\{.*\})/.exec(out);
  if (!m) throw new Error(`wrk printed no result:\n${out}`);
  const r = JSON.parse(m[1]!) as { requests: number; duration_us: number; errors: number; p50: number; p95: number; p99: number };
  return { rps: r.requests / (r.duration_us / 1e6), p50: r.p50, p95: r.p95, p99: r.p99, requests: r.requests, errors: r.errors };
}

function wrkArgs(port: number, path: string, connections: number, seconds: number, script: string): string[] {
  return ['-t', connections === 1 ? '1' : '2', '-c', String(connections), '-d', `${seconds}s`, '-s', script, `http://127.0.0.1:${port}${path}`];
}

function wrk(port: number, path: string, connections: number, seconds: number, script: string): Run {
  return parseWrk(execFileSync('wrk', wrkArgs(port, path, connections, seconds, script), { encoding: 'utf8' }));
}

/** Runs several wrk processes at once; resolves with each one's result. */
function wrkParallel(jobs: { port: number; path: string; connections: number; seconds: number; script: string }[]): Promise<Run[]> {
  return Promise.all(jobs.map((j) => new Promise<Run>((resolve, reject) => {
    const child = spawn('wrk', wrkArgs(j.port, j.path, j.connections, j.seconds, j.script), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(parseWrk(out)) : reject(new Error(`wrk exited ${code}: ${out}`))));
  })));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const med = (xs: Run[], k: keyof Run) => median(xs.map((x) => x[k]));
const us = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(0)} ms` : v >= 1000 ? `${(v / 1000).toFixed(1)} ms` : `${v.toFixed(0)} us`);
const log = (line: string) => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------- side by side
async function side(): Promise<{ table: string; runs: string; chart: { label: string; server: Run; peer: Run }[] }> {
  const kinds: Which[] = BASELINE ? ['server', 'baseline', 'peer'] : ['server', 'peer'];
  let port = 18381;
  const ports = new Map<string, number>();
  for (const c of SIDE_CASES) {
    if (ports.has(`peer ${c.model}`)) continue;
    const root = oneModelRepository(c.model, c.model, c.file);
    for (const k of kinds) {
      const p = port++;
      ports.set(`${k} ${c.model}`, p);
      if (k === 'peer') await startPeer(p, c);
      else {
        await startServer(k, p, root);
        // A tiny model runs on the event loop when idle only if its fastest warm-up run was under
        // MODEL_SERVER_INLINE_RUN_MAX_US: print the decision, which a loaded machine can change.
        log(`${k} ${c.model}: inline_when_idle=${await inlineWhenIdle(p, c.model)}`);
      }
    }
  }
  const runs: Record<string, Run[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? kinds : [...kinds].reverse();
    for (const c of SIDE_CASES) {
      const script = luaScript(`side-${c.model}`, c.body);
      for (const which of order) {
        const p = ports.get(`${which} ${c.model}`)!;
        const path = `/v2/models/${c.model}/infer`;
        wrk(p, path, c.connections, 1, script); // warm-up
        const r = wrk(p, path, c.connections, SECONDS, script);
        (runs[`${which} ${caseLabel(c)}`] ??= []).push(r);
        log(`round ${round + 1} ${which.padEnd(8)} ${caseLabel(c).padEnd(9)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${us(r.p50).padStart(8)}  p99 ${us(r.p99).padStart(8)}  errors ${r.errors}`);
      }
    }
  }
  const lines = [
    '| model, connections | server req/s | peer req/s | ratio | server p50 | peer p50 | ratio | server p99 | peer p99 | ratio | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const chart: { label: string; server: Run; peer: Run }[] = [];
  for (const c of SIDE_CASES) {
    const p = runs[`peer ${caseLabel(c)}`]!;
    const row = (which: Which, label: string) => {
      const s = runs[`${which} ${caseLabel(c)}`]!;
      const errors = s.reduce((n, r) => n + r.errors, 0) + p.reduce((n, r) => n + r.errors, 0);
      lines.push(`| ${label} | ${med(s, 'rps').toFixed(0)} | ${med(p, 'rps').toFixed(0)} | ${(med(s, 'rps') / med(p, 'rps')).toFixed(2)}x | ${us(med(s, 'p50'))} | ${us(med(p, 'p50'))} | ${(med(s, 'p50') / med(p, 'p50')).toFixed(2)}x | ${us(med(s, 'p99'))} | ${us(med(p, 'p99'))} | ${(med(s, 'p99') / med(p, 'p99')).toFixed(2)}x | ${errors} |`);
    };
    if (BASELINE) row('baseline', `${caseLabel(c)} (baseline)`);
    row('server', caseLabel(c));
    const mid = (xs: Run[]): Run => ({ rps: med(xs, 'rps'), p50: med(xs, 'p50'), p95: med(xs, 'p95'), p99: med(xs, 'p99'), requests: 0, errors: 0 });
    chart.push({ label: caseLabel(c), server: mid(runs[`server ${caseLabel(c)}`]!), peer: mid(p) });
  }
  const every = Object.entries(runs).map(([k, rs]) => `${k}: ${rs.map((r) => `${r.rps.toFixed(0)} req/s p50 ${us(r.p50)} p99 ${us(r.p99)}`).join(' | ')}`).join('\n');
  return { table: lines.join('\n'), runs: every, chart };
}

// ---------------------------------------------------------------------------------------------- mixed
const MIXED_TARGET_P99_US: Record<string, number | undefined> = { fraud: 50_000, sentiment: 200_000 };

async function mixed(): Promise<string> {
  const port = 18391;
  const server = await startServer('server', port, PLATFORM_MODELS_DIR);
  const names = ['fraud', 'cnn', 'sentiment'] as const;
  const perModel = MIXED_RATE / names.length;
  // Each model's wrk offers perModel req/s on a schedule (pacedDelay), split over its threads; the achieved
  // rate is reported (below the offer only when every connection was waiting for an answer).
  const threads = MIXED_CONNECTIONS === 1 ? 1 : 2;
  const scripts = Object.fromEntries(names.map((n) => [n, luaScript(`mixed-${n}`, firstRow(n), pacedDelay(perModel / threads))]));
  const jobs = (seconds: number) => names.map((n) => ({ port, path: `/v2/models/${n}/infer`, connections: MIXED_CONNECTIONS, seconds, script: scripts[n]! }));
  await wrkParallel(jobs(2)); // warm-up at the same rate
  const runs: Record<string, Run[]> = {};
  const inside: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const before = await requestBuckets(port);
    const rs = await wrkParallel(jobs(MIXED_SECONDS));
    const after = await requestBuckets(port);
    names.forEach((n, i) => {
      (runs[n] ??= []).push(rs[i]!);
      (inside[n] ??= []).push(bucketQuantile(before.get(n) ?? [], after.get(n) ?? [], 0.99));
    });
    log(`mixed round ${round + 1}: ${names.map((n, i) => `${n} ${rs[i]!.rps.toFixed(0)} req/s p50 ${us(rs[i]!.p50)} p95 ${us(rs[i]!.p95)} p99 ${us(rs[i]!.p99)} (in the server <= ${us(inside[n]!.at(-1)!)}) errors ${rs[i]!.errors}`).join('; ')}; total ${rs.reduce((a, r) => a + r.rps, 0).toFixed(0)} req/s`);
  }
  await stop(server);
  const totals = Array.from({ length: ROUNDS }, (_, i) => names.reduce((a, n) => a + runs[n]![i]!.rps, 0));
  const lines = [
    `Offered: ${MIXED_RATE} req/s in all, ${perModel.toFixed(0)} per model on a schedule (one request every ${((1000 * threads) / perModel).toFixed(1)} ms on each of ${threads} wrk threads, ${MIXED_CONNECTIONS} connections per model); ${ROUNDS} rounds of ${MIXED_SECONDS} s, medians. Achieved in all: ${median(totals).toFixed(0)} req/s (rounds: ${totals.map((t) => t.toFixed(0)).join(', ')}).`,
    '',
    '| model | achieved req/s | p50 | p95 | p99 | p99 target | met | p99 inside the server | errors |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const n of names) {
    const r = runs[n]!;
    const target = MIXED_TARGET_P99_US[n];
    lines.push(`| ${n} | ${med(r, 'rps').toFixed(0)} | ${us(med(r, 'p50'))} | ${us(med(r, 'p95'))} | ${us(med(r, 'p99'))} | ${target ? `< ${us(target)}` : '-'} | ${target ? (med(r, 'p99') < target ? 'yes' : 'NO') : '-'} | <= ${us(median(inside[n]!))} | ${r.reduce((a, x) => a + x.errors, 0)} |`);
  }
  lines.push('', 'p99 inside the server: the upper bound of the `model_server_request_duration_seconds` bucket that holds the 99th percentile of the round\'s requests (scraped before and after each round; from the request\'s arrival at fastify to its answer written), median over rounds. The gap to wrk\'s p99 is time outside the request handling: the connection waiting to be read, wrk and the server descheduled on the shared cores.');
  return lines.join('\n');
}

/** Cumulative `model_server_request_duration_seconds` buckets of each model's infer route: [le seconds, count][]. */
async function requestBuckets(port: number): Promise<Map<string, [number, number][]>> {
  const text = await new Promise<string>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let t = '';
      res.on('data', (c: Buffer) => (t += c.toString()));
      res.on('end', () => resolve(t));
    }).on('error', reject);
  });
  const out = new Map<string, [number, number][]>();
  const line = /^model_server_request_duration_seconds_bucket\{le="([^"]+)",model="([^"]*)",version="[^"]*",route="\/v2\/models\/:model\/infer"\} (\d+)$/gm;
  for (const m of text.matchAll(line)) {
    const list = out.get(m[2]!) ?? [];
    list.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[3])]);
    out.set(m[2]!, list);
  }
  return out;
}

/** The upper bound (us) of the bucket holding quantile q of the requests counted between two scrapes. */
function bucketQuantile(before: [number, number][], after: [number, number][], q: number): number {
  const base = new Map(before);
  const total = (after.at(-1)?.[1] ?? 0) - (base.get(Infinity) ?? 0);
  for (const [le, count] of after) if (count - (base.get(le) ?? 0) >= q * total) return le * 1e6;
  return Infinity;
}

// ---------------------------------------------------------------------------------------------- gRPC vs REST
const BIG = 262_144; // FP32 elements: 1 MiB

interface H2 {
  rps: number;
  meanMs: number;
  maxMs: number;
  ok: number;
  failed: number;
}

function h2load(args: string[]): H2 {
  const out = execFileSync('h2load', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const fin = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
  const reqs = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  const time = /time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)/.exec(out);
  if (!fin || !reqs || !codes || !time) throw new Error(`unexpected h2load output:\n${out}`);
  const ms = (v: string, u: string) => Number(v) * (u === 'us' ? 0.001 : u === 'ms' ? 1 : 1000);
  return { rps: Number(fin[1]), meanMs: ms(time[5]!, time[6]!), maxMs: ms(time[3]!, time[4]!), ok: Number(codes[1]), failed: Number(reqs[2]) + Number(reqs[3]) + Number(codes[3]) + Number(codes[4]) };
}

/** One call over HTTP/2 with the same body h2load sends: the server must answer grpc-status 0. */
function grpcPreflight(port: number, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': '/inference.GRPCInferenceService/ModelInfer', 'content-type': 'application/grpc', te: 'trailers' });
    let status: string | undefined;
    let message = '';
    stream.on('trailers', (t) => {
      status = String(t['grpc-status']);
      message = String(t['grpc-message'] ?? '');
    });
    stream.on('response', (h) => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
    });
    stream.resume();
    stream.on('end', () => {
      session.close();
      if (status === '0') resolve();
      else reject(new Error(`gRPC pre-flight: grpc-status ${status ?? 'none'} ${message}`));
    });
    stream.end(body);
  });
}

async function grpcVsRest(): Promise<string> {
  const httpPort = 18395;
  const grpcPort = 18396;
  const root = join(tmp, 'big');
  mkdirSync(join(root, 'big', '1'), { recursive: true });
  writeFileSync(join(root, 'big', '1', 'model.onnx'), buildModel({
    name: 'big',
    inputs: [{ name: 'x', type: 'FLOAT', shape: ['batch', BIG] }],
    outputs: [{ name: 'y', type: 'FLOAT', shape: ['batch'] }],
    nodes: [{ op: 'ReduceMean', inputs: ['x'], outputs: ['y'], attributes: { axes: [1], keepdims: 0 } }],
  }));
  const values = Array.from({ length: BIG }, (_, k) => ((k * 104729) % 1000) / 1000);
  const restFile = join(tmp, 'big.json');
  writeFileSync(restFile, JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, BIG], data: values }] }));
  const proto = protobuf.parse(readFileSync(join(here, '..', 'src', 'grpc', 'inference.proto'), 'utf8'), { keepCase: true }).root;
  const Request = proto.lookupType('inference.ModelInferRequest');
  const message = Request.encode(Request.create({
    model_name: 'big',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [1, BIG] }],
    raw_input_contents: [Buffer.from(Float32Array.from(values).buffer)],
  })).finish();
  // gRPC over HTTP/2 (grpc/grpc doc/PROTOCOL-HTTP2.md): each message is a 1-byte compressed flag and a
  // 4-byte big-endian length, then the protobuf bytes.
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.length, 1);
  Buffer.from(message).copy(frame, 5);
  const grpcFile = join(tmp, 'big.grpc');
  writeFileSync(grpcFile, frame);
  const server = await startServer('server', httpPort, root, { MODEL_SERVER_GRPC_PORT: String(grpcPort) });
  await grpcPreflight(grpcPort, frame);
  const seconds = `${SECONDS}`;
  const rest = () => h2load(['--h1', '-c', String(GRPC_CLIENTS), '-m', '1', '-D', seconds, '--warm-up-time', '1', '-d', restFile, '-H', 'content-type: application/json', `http://127.0.0.1:${httpPort}/v2/models/big/infer`]);
  const grpcRun = () => h2load(['-c', String(GRPC_CLIENTS), '-m', '1', '-D', seconds, '--warm-up-time', '1', '-d', grpcFile, '-H', 'content-type: application/grpc', '-H', 'te: trailers', `http://127.0.0.1:${grpcPort}/inference.GRPCInferenceService/ModelInfer`]);
  const runs: Record<'rest' | 'grpc', H2[]> = { rest: [], grpc: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of round % 2 === 0 ? (['grpc', 'rest'] as const) : (['rest', 'grpc'] as const)) {
      const r = k === 'grpc' ? grpcRun() : rest();
      runs[k].push(r);
      log(`round ${round + 1} ${k.padEnd(4)} 1 MiB ${r.rps.toFixed(0).padStart(5)} req/s  mean ${r.meanMs.toFixed(1)} ms  max ${r.maxMs.toFixed(1)} ms  2xx ${r.ok} failed ${r.failed}`);
    }
  }
  await stop(server);
  const m = (k: 'rest' | 'grpc', f: keyof H2) => median(runs[k].map((r) => r[f]));
  return [
    `h2load, ${GRPC_CLIENTS} connections, 1 request in flight each, ${ROUNDS} alternating rounds of ${SECONDS} s after 1 s warm-up, medians. REST JSON body ${(readFileSync(restFile).length / 1048576).toFixed(2)} MiB; gRPC message ${(frame.length / 1048576).toFixed(2)} MiB.`,
    '',
    '| transport | req/s | mean latency | ratio to REST JSON | failed |',
    '|---|---|---|---|---|',
    `| REST JSON (HTTP/1.1) | ${m('rest', 'rps').toFixed(0)} | ${m('rest', 'meanMs').toFixed(1)} ms | 1.00x | ${runs.rest.reduce((a, r) => a + r.failed, 0)} |`,
    `| gRPC raw_input_contents | ${m('grpc', 'rps').toFixed(0)} | ${m('grpc', 'meanMs').toFixed(1)} ms | ${(m('grpc', 'rps') / m('rest', 'rps')).toFixed(2)}x | ${runs.grpc.reduce((a, r) => a + r.failed, 0)} |`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------- chart
/** Two panels (throughput, p99) of grouped bars, server beside peer, per model and connection count. */
function svgChart(data: { label: string; server: Run; peer: Run }[], title: string): string {
  const W = 860;
  const H = 360;
  const panel = (x0: number, heading: string, value: (r: Run) => number, unit: (v: number) => string) => {
    const width = 380;
    const top = 60;
    const height = 220;
    const max = Math.max(...data.flatMap((d) => [value(d.server), value(d.peer)])) * 1.15;
    const group = width / data.length;
    const bar = group / 3;
    const parts = [`<text x="${x0 + width / 2}" y="${top - 16}" text-anchor="middle" font-weight="bold">${heading}</text>`,
      `<line x1="${x0}" y1="${top + height}" x2="${x0 + width}" y2="${top + height}" stroke="#333"/>`];
    data.forEach((d, i) => {
      const gx = x0 + i * group + bar / 2;
      for (const [j, which, color] of [[0, 'server', '#2b6cb0'], [1, 'peer', '#c05621']] as const) {
        const v = value(d[which]);
        const h = (v / max) * height;
        const x = gx + j * bar;
        parts.push(`<rect x="${x.toFixed(1)}" y="${(top + height - h).toFixed(1)}" width="${(bar - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"><title>${which} ${d.label}: ${unit(v)}</title></rect>`);
        parts.push(`<text x="${(x + bar / 2 - 2).toFixed(1)}" y="${(top + height - h - 4).toFixed(1)}" text-anchor="middle" font-size="11">${unit(v)}</text>`);
      }
      parts.push(`<text x="${(gx + bar - 2).toFixed(1)}" y="${top + height + 18}" text-anchor="middle" font-size="12">${d.label}</text>`);
    });
    return parts.join('\n');
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="13">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`,
    panel(30, 'throughput (req/s, higher is better)', (r) => r.rps, (v) => v.toFixed(0)),
    panel(450, 'p99 latency (lower is better)', (r) => r.p99, us),
    `<rect x="330" y="${H - 28}" width="12" height="12" fill="#2b6cb0"/><text x="348" y="${H - 18}">server (dist/main.js)</text>`,
    `<rect x="500" y="${H - 28}" width="12" height="12" fill="#c05621"/><text x="518" y="${H - 18}">peer (fastify + session.run inline)</text>`,
    '</svg>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------- profile
interface CpuProfile {
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

async function profile(): Promise<void> {
  const dir = join(tmp, 'profile');
  mkdirSync(dir, { recursive: true });
  const c = SIDE_CASES[PROFILE_CASE]!;
  const port = 18399;
  const prof = ['--cpu-prof', '--cpu-prof-dir', dir];
  const server = PROFILE_PEER ? await startPeer(port, c, prof) : await startServer('server', port, oneModelRepository('profile-repo', c.model, c.file), {}, prof);
  log(PROFILE_PEER ? 'profiling the peer (bench/peer-server.js)' : `profiling the server; inline_when_idle=${await inlineWhenIdle(port, c.model)}`);
  const script = luaScript('profile', c.body);
  wrk(port, `/v2/models/${c.model}/infer`, c.connections, 1, script);
  // V8's profile timestamps and process.hrtime are both CLOCK_MONOTONIC microseconds on Linux: the window of
  // the measured run, in the profile's clock, leaves start-up, warm-up and shutdown out.
  const from = Number(process.hrtime.bigint() / 1000n);
  const r = wrk(port, `/v2/models/${c.model}/infer`, c.connections, PROFILE_SECONDS, script);
  const to = Number(process.hrtime.bigint() / 1000n);
  log(`${caseLabel(c)} under the profiler: ${r.rps.toFixed(0)} req/s, p50 ${us(r.p50)}, ${r.requests} requests`);
  await stop(server);
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const profiles = files.map((f) => {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
    let t = p.startTime;
    return { f, p, byId: new Map(p.nodes.map((n) => [n.id, n])), at: p.timeDeltas.map((d) => (t += d)) };
  });
  log(`measured window: ${((to - from) / 1e6).toFixed(2)} s`);
  for (const { f, p, byId, at } of profiles) {
    const self = new Map<string, number>();
    let total = 0;
    let idle = 0;
    p.samples.forEach((id, i) => {
      if (at[i]! < from || at[i]! > to) return;
      if (!p.timeDeltas[i]) return;
      const dt = p.timeDeltas[i] ?? 0;
      const n = byId.get(id)!.callFrame;
      if (n.functionName === '(idle)') {
        idle += dt;
        return;
      }
      total += dt;
      const where = n.url ? `${n.url.replace(/^.*\/(node_modules|runtime)\//, '$1/')}:${n.lineNumber + 1}` : '';
      const key = `${n.functionName || '(anonymous)'} ${where}`.trim();
      self.set(key, (self.get(key) ?? 0) + dt);
    });
    if (total < 1e5) continue; // threads that stayed idle
    log(`\n${f}: ${(total / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle in the window; ${(total / r.requests).toFixed(0)} us busy per request; top self time:`);
    for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) log(`  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${(v / r.requests).toFixed(1).padStart(6)} us/req  ${k}`);
  }
}

// ---------------------------------------------------------------------------------------------- main
async function main(): Promise<void> {
  try {
    if (PROFILE_SECONDS > 0) return await profile();
    const machine = () => `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
    const sections: string[] = [`# wrk and h2load: the server from outside\n\nStarted ${new Date().toISOString()}, ${machine()}${Object.keys(EXTRA_ENV).length ? `, server env ${JSON.stringify(EXTRA_ENV)}` : ''}.`];
    if (ONLY.has('side')) {
      const s = await side();
      for (const c of children.splice(0)) await stop(c);
      writeFileSync(join(here, 'WRK-RESULTS.svg'), svgChart(s.chart, `server vs peer, wrk, batch-1 OIP JSON, medians of ${ROUNDS} (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})`));
      // A PNG beside it where librsvg's converter is installed (apt-get install librsvg2-bin); the SVG is the chart.
      try {
        execFileSync('rsvg-convert', [join(here, 'WRK-RESULTS.svg'), '-o', join(here, 'WRK-RESULTS.png')], { stdio: 'ignore' });
      } catch {
        log('rsvg-convert not found: chart written as SVG only');
      }
      sections.push(`## Server beside the peer\n\nMedians of ${ROUNDS} alternating rounds of ${SECONDS} s, batch-1 OIP JSON; MLP = examples/models/digits-classifier (784-128-64-10), CNN = examples/platform-models/cnn. Chart: [WRK-RESULTS.svg](WRK-RESULTS.svg). Every run:\n\n\`\`\`\n${s.runs}\n\`\`\`\n\n${s.table}\n\nLoad average after this section: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`);
      log(`\n${s.table}`);
    }
    if (ONLY.has('mixed')) {
      const t = await mixed();
      sections.push(`## Mixed traffic: the platform trio on one server process\n\n${t}\n\nLoad average after this section: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`);
      log(`\n${t}`);
    }
    if (ONLY.has('grpc')) {
      const t = await grpcVsRest();
      sections.push(`## gRPC raw tensors against REST JSON, 1 MiB input\n\n${t}\n\nLoad average after this section: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`);
      log(`\n${t}`);
    }
    writeFileSync(join(here, 'WRK-RESULTS.md'), `${sections.join('\n\n')}\n`);
  } finally {
    for (const c of children) await stop(c);
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
