import { Writable } from 'node:stream';
import { seededFloats } from '../../scripts/onnx-builder';
import { defaultServerConfig, type ServerConfig } from '../../lib/contract';
import { discoverModels } from '../src/repository';
import { buildServer, type ModelServer } from '../src/server';

export function config(overrides: Partial<ServerConfig> = {}): ServerConfig {
  // Event-loop sessions depend on measured run times: off unless a test asks (test/inline.test.ts).
  return { ...defaultServerConfig(), warmupRuns: 1, logLevel: 'warn', inlineRunMaxMicros: 0, ...overrides };
}

/** Servers started by this test file; test/setup.ts closes any a failing test left open. */
export const openServers = new Set<ModelServer>();

export function track(app: ModelServer): ModelServer {
  openServers.add(app);
  app.addHook('onClose', async () => {
    openServers.delete(app);
  });
  return app;
}

export interface Started {
  app: ModelServer;
  logs: string[];
}

/** Builds a server over a repository folder and waits until every model finished loading. */
export async function start(directory: string, overrides: Partial<ServerConfig> = {}, extra: { vertexHealthRoute?: string; vertexPredictRoute?: string } = {}): Promise<Started> {
  const cfg = config(overrides);
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = track(buildServer({ config: cfg, models: discoverModels({ directory }, cfg), logger: { stream }, processMetrics: false, ...extra }));
  await app.modelsLoaded;
  return { app, logs };
}

/**
 * The reference the server's answers are compared with: the MLP of scripts/onnx-builder's mlpClassifier,
 * computed in plain JavaScript from the same seeded weights (Gemm, Relu, Softmax, ArgMax).
 */
export function mlpForward(seed: number, sizes: readonly number[], rows: readonly (readonly number[])[]): { probabilities: number[]; label: number[] } {
  const probabilities: number[] = [];
  const label: number[] = [];
  for (const row of rows) {
    let x = [...row];
    for (let i = 0; i < sizes.length - 1; i++) {
      const width = sizes[i]!;
      const out = sizes[i + 1]!;
      const w = seededFloats(seed + i * 2, width * out, Math.sqrt(6 / (width + out)));
      const b = seededFloats(seed + i * 2 + 1, out, 0.1);
      const y = Array.from({ length: out }, (_, j) => {
        let sum = b[j]!;
        for (let k = 0; k < width; k++) sum += x[k]! * w[k * out + j]!;
        return sum;
      });
      x = i < sizes.length - 2 ? y.map((v) => Math.max(0, v)) : y;
    }
    const max = Math.max(...x);
    const exp = x.map((v) => Math.exp(v - max));
    const total = exp.reduce((a, v) => a + v, 0);
    probabilities.push(...exp.map((v) => v / total));
    label.push(x.indexOf(max));
  }
  return { probabilities, label };
}

/** y = relu(relu(x W0) W1 ...) for test/models.ts heavy(). */
export function heavyForward(width: number, layers: number, x: readonly number[]): number[] {
  const scale = Math.sqrt(6 / width);
  const w = [seededFloats(1, width * width, scale), seededFloats(2, width * width, scale)];
  let v = [...x];
  for (let i = 0; i < layers; i++) {
    const m = w[i % 2]!;
    v = Array.from({ length: width }, (_, j) => {
      let sum = 0;
      for (let k = 0; k < width; k++) sum += v[k]! * m[k * width + j]!;
      return Math.max(0, sum);
    });
  }
  return v;
}

export function expectClose(actual: readonly number[], expected: ArrayLike<number>, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (Math.abs(actual[i]! - Number(expected[i])) > tolerance) {
      throw new Error(`element ${i}: ${actual[i]} vs expected ${expected[i]}`);
    }
  }
}

/** Builds an OIP binary request body: JSON header then the raw tensors. */
export function binaryBody(header: unknown, tensors: readonly Buffer[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  return { body: Buffer.concat([json, ...tensors]), headerLength: json.length };
}

/** Splits a binary OIP response into its JSON header and the raw output bytes by name. */
export function parseBinaryResponse(body: Buffer, headerLength: number): { json: { outputs: { name: string; datatype: string; shape: number[]; data?: unknown[]; parameters?: { binary_data_size: number } }[] }; raw: Record<string, Buffer> } {
  const json = JSON.parse(body.subarray(0, headerLength).toString('utf8')) as ReturnType<typeof parseBinaryResponse>['json'];
  const raw: Record<string, Buffer> = {};
  let offset = headerLength;
  for (const o of json.outputs) {
    if (o.parameters?.binary_data_size !== undefined) {
      raw[o.name] = body.subarray(offset, offset + o.parameters.binary_data_size);
      offset += o.parameters.binary_data_size;
    }
  }
  return { json, raw };
}

export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
    found = true;
  }
  if (!found) throw new Error(`metric ${name} ${JSON.stringify(labels)} not found`);
  return total;
}

/** Waits (turn by turn of the event loop, no timers) until `condition` holds. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
