/** A small keep-alive HTTP load generator (node:http), closed-loop: `concurrency` clients send back to back. */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
  readonly statuses: Record<string, number>;
}

export interface RequestSpec {
  readonly path: string;
  readonly method?: 'GET' | 'POST';
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function request(agent: http.Agent, port: number, spec: RequestSpec): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: spec.path, method: spec.method ?? 'POST', agent, headers: { ...(spec.body ? { 'content-length': String(spec.body.length) } : {}), ...spec.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(spec.body);
  });
}

export async function load(port: number, spec: RequestSpec, concurrency: number, seconds: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          const res = await request(agent, port, spec);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.status !== 200) errors++;
          else latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds: elapsed, throughput: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses };
}

/** Closed-loop gRPC load: `concurrency` outstanding ModelInfer calls over one channel (HTTP/2 streams). */
export async function loadGrpc(
  call: (done: (error: Error | null) => void) => void,
  concurrency: number,
  seconds: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const error = await new Promise<Error | null>((resolve) => call(resolve));
        if (error) errors++;
        else latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds: elapsed, throughput: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses: {} };
}
