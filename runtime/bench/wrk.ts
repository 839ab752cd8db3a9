/**
 * npm run bench:wrk -w runtime: the server and the peer measured from outside with wrk (Debian's package, a
 * C load generator), side by side in one run: batch-1 OIP JSON on the demo MLP (784-128-10), c=1 and c=64,
 * ROUNDS alternating rounds (the order flips each round), SECONDS each after a 1 s warm-up; prints every
 * run and the medians with server/peer ratios, and writes bench/WRK-RESULTS.md.
 *
 *   apt-get install -y wrk
 *   npm run build -w runtime && npx tsx runtime/bench/wrk.ts [--seconds 5] [--rounds 3] [--env KEY=VALUE ...]
 *
 * `--baseline DIST/main.js` adds a third server (e.g. an earlier build) to every round.
 * `--env` adds server variables (e.g. --env MODEL_SERVER_RATE_LIMIT_PER_MINUTE=1000000000) to measure a
 * feature's cost. Never a test: timings depend on the machine.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const SECONDS = arg('seconds', 5);
const ROUNDS = arg('rounds', 3);
const EXTRA_ENV: Record<string, string> = {};
argv.forEach((a, i) => {
  if (a === '--env') {
    const [k, ...v] = argv[i + 1]!.split('=');
    EXTRA_ENV[k!] = v.join('=');
  }
});
const baselineAt = argv.indexOf('--baseline');
const BASELINE = baselineAt >= 0 ? argv[baselineAt + 1] : undefined;
const CONCURRENCY = [1, 64];
type Which = 'server' | 'baseline' | 'peer';
const here = __dirname;
const demo = join(here, '..', '..', 'examples', 'models', 'digits-classifier');
const row = Array.from({ length: 784 }, (_, k) => ((7919 + k * 104729) % 1000) / 1000);
const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 784], data: row }] });
const lua = join(os.tmpdir(), `wrk-oip-${process.pid}.lua`);
writeFileSync(lua, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n`);

function waitReady(port: number, path: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const req = http.request({ host: '127.0.0.1', port, path, method: path.includes('infer') ? 'POST' : 'GET', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        if (res.statusCode === 200) resolve();
        else retry();
      });
      req.on('error', retry);
      req.end(path.includes('infer') ? body : undefined);
    };
    const retry = () => (Date.now() > deadline ? reject(new Error(`port ${port} never became ready`)) : setTimeout(tick, 200));
    tick();
  });
}

async function startServer(which: Which, port: number): Promise<ChildProcess> {
  const main = which === 'baseline' ? BASELINE! : join(here, '..', 'dist', 'main.js');
  const args = which === 'peer'
    ? [join(here, 'peer-server.js'), String(port), join(demo, '1', 'model.onnx')]
    : [main, 'serve', '--model-repository', join(demo, '..'), '--port', String(port)];
  const env = which === 'peer' ? process.env : { ...process.env, MODEL_SERVER_GRPC_PORT: '0', MODEL_SERVER_LOG_LEVEL: 'warn', ...(which === 'server' ? EXTRA_ENV : {}) };
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(port, which === 'peer' ? '/v2/models/digits-classifier/infer' : '/v2/health/ready');
  return child;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** wrk's latency figures are "272.00us", "1.23ms", "2.00s". */
function micros(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text)!;
  return Number(m[1]) * (m[2] === 'us' ? 1 : m[2] === 'ms' ? 1000 : 1e6);
}

function wrk(port: number, connections: number, seconds: number): Run {
  const out = execFileSync('wrk', ['-t', connections === 1 ? '1' : '2', '-c', String(connections), '-d', `${seconds}s`, '--latency', '-s', lua, `http://127.0.0.1:${port}/v2/models/digits-classifier/infer`], { encoding: 'utf8' });
  const pct = (p: string) => micros(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)![1]!);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]),
    p50: pct('50'),
    p99: pct('99'),
    errors: (errors ? Number(errors[1]) : 0) + (socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const ports: Record<Which, number> = { server: 18381, peer: 18382, baseline: 18383 };
  const kinds: Which[] = BASELINE ? ['server', 'baseline', 'peer'] : ['server', 'peer'];
  const children = await Promise.all(kinds.map((k) => startServer(k, ports[k])));
  // The server runs a tiny model on the event loop when idle only if its warm-up runs were fast enough
  // (MODEL_SERVER_INLINE_RUN_MAX_US): on a loaded machine that decision can differ from one start to the next.
  for (const k of kinds.filter((x) => x !== 'peer')) {
    const meta = await new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: ports[k], path: '/v2/models/digits-classifier' }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    process.stdout.write(`${k}: inline_when_idle=${String((JSON.parse(meta) as { parameters: { inline_when_idle: boolean } }).parameters.inline_when_idle)}\n`);
  }
  const runs: Record<string, Run[]> = {};
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? kinds : [...kinds].reverse();
      for (const c of CONCURRENCY) {
        for (const which of order) {
          wrk(ports[which], c, 1); // warm-up
          const r = wrk(ports[which], c, SECONDS);
          (runs[`${which} c=${c}`] ??= []).push(r);
          process.stdout.write(`round ${round + 1} ${which.padEnd(8)} c=${String(c).padEnd(2)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(0).padStart(6)} us  p99 ${r.p99.toFixed(0).padStart(7)} us  errors ${r.errors}\n`);
        }
      }
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
  const lines = [
    `| connections | server req/s | peer req/s | ratio | server p50 us | peer p50 us | ratio | server p99 us | peer p99 us | ratio |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const c of CONCURRENCY) {
    const s = runs[`server c=${c}`]!;
    const p = runs[`peer c=${c}`]!;
    const m = (xs: Run[], k: keyof Run) => median(xs.map((x) => x[k]));
    if (BASELINE) {
      const b = runs[`baseline c=${c}`]!;
      lines.push(`| ${c} (baseline) | ${m(b, 'rps').toFixed(0)} | ${m(p, 'rps').toFixed(0)} | ${(m(b, 'rps') / m(p, 'rps')).toFixed(2)}x | ${m(b, 'p50').toFixed(0)} | ${m(p, 'p50').toFixed(0)} | ${(m(b, 'p50') / m(p, 'p50')).toFixed(2)}x | ${m(b, 'p99').toFixed(0)} | ${m(p, 'p99').toFixed(0)} | ${(m(b, 'p99') / m(p, 'p99')).toFixed(2)}x |`);
    }
    lines.push(
      `| ${c} | ${m(s, 'rps').toFixed(0)} | ${m(p, 'rps').toFixed(0)} | ${(m(s, 'rps') / m(p, 'rps')).toFixed(2)}x | ${m(s, 'p50').toFixed(0)} | ${m(p, 'p50').toFixed(0)} | ${(m(s, 'p50') / m(p, 'p50')).toFixed(2)}x | ${m(s, 'p99').toFixed(0)} | ${m(p, 'p99').toFixed(0)} | ${(m(s, 'p99') / m(p, 'p99')).toFixed(2)}x |`,
    );
  }
  const table = lines.join('\n');
  process.stdout.write(`\nmedians of ${ROUNDS} alternating rounds of ${SECONDS} s (wrk, batch-1 OIP JSON, digits MLP)\n${table}\n`);
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
  writeFileSync(
    join(here, 'WRK-RESULTS.md'),
    `# wrk: server vs peer\n\n${new Date().toISOString()}, ${machine}${Object.keys(EXTRA_ENV).length ? `, server env ${JSON.stringify(EXTRA_ENV)}` : ''}.\n\nMedians of ${ROUNDS} alternating rounds of ${SECONDS} s, batch-1 OIP JSON on the 784-128-10 MLP (examples/models/digits-classifier). Every run:\n\n\`\`\`\n${Object.entries(runs).map(([k, rs]) => `${k}: ${rs.map((r) => `${r.rps.toFixed(0)} req/s p50 ${r.p50.toFixed(0)} us p99 ${r.p99.toFixed(0)} us`).join(' | ')}`).join('\n')}\n\`\`\`\n\n${table}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
