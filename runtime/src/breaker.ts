/**
 * A circuit breaker per model version (cockatiel), for the models in MODEL_SERVER_BREAKER_MODELS. It opens
 * on N consecutive failures or on a failure ratio over a sliding window (with a minimum of calls), where a
 * failure is a run that failed or timed out, a full queue, or (with MODEL_SERVER_BREAKER_LATENCY_MS) a run
 * slower than the bound. After MODEL_SERVER_BREAKER_OPEN_SECONDS one request probes (half-open): success
 * closes the breaker, failure opens it again. While open the model answers from `fallback.json` next to its
 * model.onnx (an OIP response), marked as a fallback, or 503 with Retry-After when it has none.
 * Bad input (4xx) never counts: one client's malformed requests cannot open the breaker for everyone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, SamplingBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy, type IBreaker } from 'cockatiel';
import type { ServerConfig } from '../../lib/contract';
import { withRetryAfter, NotReady } from './errors';
import { fromJsonTensor, type HostTensor, type TensorData } from './tensor';

export const FALLBACK_FILE = 'fallback.json';

export type BreakerStateName = 'closed' | 'open' | 'half_open';

/** Error codes that say the model (not the request) is failing. */
const MODEL_FAILURES = new Set(['MS_INFERENCE_FAILED', 'MS_TIMEOUT', 'MS_QUEUE_FULL']);

/** A run that succeeded but took longer than the latency bound: the answer is kept, the breaker counts a failure. */
class TooSlow<T> extends Error {
  constructor(readonly value: T) {
    super('slower than MODEL_SERVER_BREAKER_LATENCY_MS');
  }
}

function countsAsFailure(error: unknown): boolean {
  if (error instanceof TooSlow) return true;
  const code = (error as { code?: string }).code;
  return code === undefined || MODEL_FAILURES.has(code);
}

/** Opens when either trigger does (cockatiel's breakers each watch one). */
class EitherBreaker implements IBreaker {
  constructor(private readonly parts: readonly IBreaker[]) {}
  get state(): unknown {
    return this.parts.map((p) => p.state);
  }
  set state(value: unknown) {
    (value as unknown[]).forEach((v, i) => (this.parts[i]!.state = v));
  }
  success(state: CircuitState): void {
    for (const p of this.parts) p.success(state);
  }
  failure(state: CircuitState): boolean {
    let open = false;
    for (const p of this.parts) open = p.failure(state) || open;
    return open;
  }
}

/** Never opens: the breaker has no trigger configured. */
class NeverBreaker implements IBreaker {
  state: unknown = null;
  success(): void {}
  failure(): boolean {
    return false;
  }
}

/** The fallback answer of a model version: its outputs as tensors, read once from fallback.json. */
export function readFallback(modelPath: string): { outputs?: Record<string, HostTensor>; problem?: string } {
  const path = join(dirname(modelPath), FALLBACK_FILE);
  if (!existsSync(path)) return {};
  try {
    const body = JSON.parse(readFileSync(path, 'utf8')) as { outputs?: unknown };
    if (!Array.isArray(body.outputs) || body.outputs.length === 0) throw new Error('expected an OIP response {"outputs": [{"name", "datatype", "shape", "data"}]}');
    const outputs: Record<string, HostTensor> = {};
    for (const o of body.outputs as { name?: unknown; datatype?: unknown; shape?: unknown; data?: unknown }[]) {
      if (typeof o.name !== 'string' || typeof o.datatype !== 'string' || !Array.isArray(o.shape) || !o.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
        throw new Error('every output needs "name", "datatype" and a "shape" of non-negative integers');
      }
      outputs[o.name] = fromJsonTensor(o.name, o.datatype, o.shape as number[], o.data, { allowNonFinite: true });
    }
    return { outputs };
  } catch (error) {
    return { problem: `${path}: ${(error as Error).message}` };
  }
}

/** Repeats a one-row fallback tensor `rows` times (a batched request gets one fallback row per row). */
function tile(t: HostTensor, rows: number): HostTensor {
  if (rows === 1 || t.shape[0] !== 1) return t;
  const shape = [rows, ...t.shape.slice(1)];
  if (Array.isArray(t.data)) return { datatype: t.datatype, shape, data: Array.from({ length: rows }, () => t.data as string[]).flat() };
  const src = t.data as Uint8Array;
  const out = new (src.constructor as new (n: number) => Uint8Array)(src.length * rows);
  for (let r = 0; r < rows; r++) out.set(src, r * src.length);
  return { datatype: t.datatype, shape, data: out as TensorData };
}

export class ModelBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private readonly fallback?: Record<string, HostTensor>;
  /** Why fallback.json could not be used (logged at start, shown in the metadata). */
  readonly fallbackProblem?: string;
  private openedAt = 0;

  constructor(
    private readonly config: ServerConfig,
    modelPath: string,
    onStateChange: (state: BreakerStateName) => void,
  ) {
    const triggers: IBreaker[] = [];
    if (config.breakerConsecutiveFailures > 0) triggers.push(new ConsecutiveBreaker(config.breakerConsecutiveFailures));
    if (config.breakerFailureRatio > 0) {
      triggers.push(
        new SamplingBreaker({
          threshold: config.breakerFailureRatio,
          duration: config.breakerWindowSeconds * 1000,
          minimumRps: config.breakerMinimumCalls / config.breakerWindowSeconds,
        }),
      );
    }
    this.policy = circuitBreaker(handleWhen(countsAsFailure), {
      halfOpenAfter: config.breakerOpenSeconds * 1000,
      breaker: triggers.length === 0 ? new NeverBreaker() : triggers.length === 1 ? triggers[0]! : new EitherBreaker(triggers),
    });
    this.policy.onStateChange((s) => {
      if (s === CircuitState.Open) this.openedAt = Date.now();
      onStateChange(this.state);
    });
    const fb = readFallback(modelPath);
    this.fallback = fb.outputs;
    this.fallbackProblem = fb.problem;
  }

  get state(): BreakerStateName {
    const s = this.policy.state;
    return s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half_open' : 'open';
  }

  get hasFallback(): boolean {
    return this.fallback !== undefined;
  }

  /**
   * Runs `fn` through the breaker. Open: returns `undefined` (the caller answers the fallback); the
   * model's own errors pass through unchanged.
   */
  async execute<T>(fn: () => Promise<T>): Promise<{ value: T } | undefined> {
    const started = performance.now();
    const bound = this.config.breakerLatencyMs;
    try {
      const value = await this.policy.execute(async () => {
        const v = await fn();
        if (bound > 0 && performance.now() - started > bound) throw new TooSlow(v);
        return v;
      });
      return { value };
    } catch (error) {
      if (error instanceof TooSlow) return { value: error.value as T };
      if (error instanceof BrokenCircuitError) return undefined;
      throw error;
    }
  }

  /** The fallback outputs for a request of `rows` rows, or a 503 with Retry-After when there are none. */
  fallbackFor(model: string, version: string, outputs: readonly string[], rows: number): Record<string, HostTensor> {
    const missing = outputs.filter((o) => !this.fallback?.[o]);
    if (!this.fallback || missing.length > 0) {
      const retry = Math.max(1, this.config.breakerOpenSeconds - (Date.now() - this.openedAt) / 1000);
      const why = !this.fallback ? (this.fallbackProblem ? `its ${FALLBACK_FILE} is unusable` : `it has no ${FALLBACK_FILE}`) : `its ${FALLBACK_FILE} lacks output(s) ${missing.join(', ')}`;
      throw withRetryAfter(new NotReady(`model '${model}' version ${version} is failing (circuit breaker open) and ${why}; retry later`), retry);
    }
    const out: Record<string, HostTensor> = {};
    for (const o of outputs) out[o] = tile(this.fallback[o]!, rows);
    return out;
  }
}
