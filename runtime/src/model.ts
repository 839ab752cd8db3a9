/**
 * The lifecycle of one served model version: load (worker pool), signature check, warm-up, golden
 * self-check, state, and shutdown. Requests go through its scheduler (scheduler.ts).
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { ModelSignature, ServerConfig, TensorSpec } from '../../lib/contract';
import { NotReady } from './errors';
import { applyOrtEnvironment } from './ort-environment';
import type { RequestTrace } from './tracing';
import type { ModelSeries, ServerMetrics } from './metrics';
import type { CounterSeries } from './metric-series';
import { BatchScheduler, redact } from './scheduler';
import {
  allocate, checkDatatype, checkShape, elementCount, fromHalfBits, fromJsonTensor, OIP_FROM_ORT, toJsonValues, type HostTensor,
} from './tensor';
import { InlineSession } from './inline';
import { WorkerPool } from './worker-pool';
import type { ValueInfo } from './worker-protocol';

export interface ModelLocation {
  readonly name: string;
  readonly version: string;
  readonly modelPath: string;
  /** Folder of golden/*.json self-check cases; may not exist. */
  readonly goldenDir: string;
}

export type ModelState = 'LOADING' | 'READY' | 'UNAVAILABLE';

export interface ModelRuntimeOptions {
  readonly config: ServerConfig;
  readonly workerPath: string;
  readonly metrics: ServerMetrics;
  readonly log: FastifyBaseLogger;
  /** Signature the constructs saw at synth time (MODEL_SERVER_MODEL_SIGNATURE); empty: no check. */
  readonly expectedSignature: string;
  /** Whether request bodies are still being received (the scheduler may hold a partial batch for them). */
  readonly receiving?: () => boolean;
}

type Outputs = Record<string, HostTensor>;

function toSpec(v: ValueInfo, kind: 'input' | 'output'): TensorSpec {
  const datatype = OIP_FROM_ORT[v.type];
  if (v.type === 'non-tensor') throw new Error(`${kind} '${v.name}' is not a tensor (sequences and maps cannot be served)`);
  if (datatype === 'BF16') {
    throw new Error(`${kind} '${v.name}' is BF16, which onnxruntime-node cannot feed or fetch; export the model with FP32 or FP16 ${kind}s`);
  }
  if (!datatype) throw new Error(`${kind} '${v.name}' has element type ${v.type}, which onnxruntime-node cannot serve`);
  return { name: v.name, datatype, shape: [...v.shape], dimNames: v.dimNames };
}

/** Differences between the synth-time signature and the loaded model, as readable lines. */
export function signatureDifferences(expected: ModelSignature, actual: { inputs: readonly TensorSpec[]; outputs: readonly TensorSpec[] }): string[] {
  const problems: string[] = [];
  const side = (kind: string, want: readonly TensorSpec[], have: readonly TensorSpec[]): void => {
    const byName = new Map(have.map((t) => [t.name, t]));
    for (const w of want) {
      const h = byName.get(w.name);
      if (!h) {
        problems.push(`${kind} '${w.name}' expected but the model has none (it has ${have.map((t) => t.name).join(', ') || 'none'})`);
        continue;
      }
      byName.delete(w.name);
      if (h.datatype !== w.datatype) problems.push(`${kind} '${w.name}' is ${h.datatype}, expected ${w.datatype}`);
      const norm = (s: readonly number[]): string => `[${s.map((d) => (d < 0 ? -1 : d)).join(',')}]`;
      if (norm(h.shape) !== norm(w.shape)) problems.push(`${kind} '${w.name}' has shape ${norm(h.shape)}, expected ${norm(w.shape)}`);
    }
    for (const extra of byName.keys()) problems.push(`${kind} '${extra}' is not in the expected signature`);
  };
  side('input', expected.inputs ?? [], actual.inputs);
  side('output', expected.outputs ?? [], actual.outputs);
  return problems;
}

const MAX_CLASS_LABELS = 1000;
/** Largest model file given an event-loop session: loading it blocks health checks meanwhile. */
const MAX_INLINE_MODEL_BYTES = 16 * 1024 * 1024;
/** Worker restarts per model before it is declared unavailable (a crash loop is not hidden). */
const MAX_RESPAWNS = 5;

export class ModelRuntime {
  state: ModelState = 'LOADING';
  reason = '';
  provider = '';
  attempts: readonly { readonly provider: string; readonly error: string }[] = [];
  inputs: readonly TensorSpec[] = [];
  outputs: readonly TensorSpec[] = [];
  batchable = false;
  /** Why the model stopped batching after an execution's outputs did not split by rows; empty otherwise. */
  unbatchableReason = '';
  readonly pool: WorkerPool;
  readonly scheduler: BatchScheduler;
  /** This version's metric series, bound once (metric-series.ts). */
  readonly series: ModelSeries;
  /** Each output's predicted classes seen so far (at most MAX_CLASS_LABELS), with their counter series. */
  private readonly classSeries = new Map<string, Map<string, CounterSeries>>();
  private closing = false;
  private respawns = 0;
  /** Event-loop session of a tiny model (inline.ts); undefined for every other model. */
  private inlineSession?: InlineSession;
  /** onnxruntime run times of the warm-up, in ms: they decide whether the model is tiny. */
  private readonly warmupMs: number[] = [];

  constructor(readonly location: ModelLocation, private readonly options: ModelRuntimeOptions) {
    this.series = options.metrics.model(location.name, location.version);
    this.pool = new WorkerPool(options.workerPath, (_handle, code) => this.workerExited(code));
    this.scheduler = new BatchScheduler({
      name: location.name,
      version: location.version,
      config: options.config,
      metrics: options.metrics,
      log: options.log,
      pool: this.pool,
      batchable: () => this.batchable,
      markUnbatchable: (reason) => {
        if (!this.batchable) return;
        this.batchable = false;
        this.unbatchableReason = reason;
        options.log.warn({ model: this.name, version: this.version, reason }, 'dynamic batching turned off for this model');
      },
      provider: () => this.provider,
      observe: (outputs) => this.countClasses(outputs),
      receiving: options.receiving ?? (() => false),
      inline: () => this.inlineSession,
    });
  }

  get name(): string {
    return this.location.name;
  }

  get version(): string {
    return this.location.version;
  }

  private get labels(): { model: string; version: string } {
    return { model: this.name, version: this.version };
  }

  /** Whether an onnxruntime call may be running now (exiting the process then would abort it). */
  get inNativeCall(): boolean {
    return this.pool.inNativeCall;
  }

  /** Loads, checks and warms the model; never throws (a failure leaves the model UNAVAILABLE with a reason). */
  async load(): Promise<void> {
    const { log, metrics } = this.options;
    const started = performance.now();
    try {
      await this.loadWorkers();
      if (this.closing) throw new Error('the server is shutting down');
      await this.warmUp();
      if (this.closing) throw new Error('the server is shutting down');
      await this.selfCheck();
      if (this.closing) throw new Error('the server is shutting down');
      await this.maybeInline();
      this.state = 'READY';
      log.info(
        { model: this.name, version: this.version, provider: this.provider, batchable: this.batchable, loadMs: Math.round(performance.now() - started) },
        'model ready',
      );
    } catch (error) {
      this.state = 'UNAVAILABLE';
      this.reason = error instanceof Error ? error.message : String(error);
      if (this.closing) log.info({ model: this.name, version: this.version }, 'model loading stopped: the server is shutting down');
      else log.error({ model: this.name, version: this.version, reason: this.reason }, 'model unavailable');
    }
    metrics.modelReady.set({ ...this.labels, provider: this.provider || 'none' }, this.state === 'READY' ? 1 : 0);
  }

  private async loadWorkers(): Promise<void> {
    const { config, log, metrics } = this.options;
    applyOrtEnvironment(config);
    const first = this.pool.spawn();
    const loaded = await first.load(this.location.modelPath, config.executionProviders, config.intraOpThreads);
    this.provider = loaded.provider;
    this.attempts = loaded.attempts;
    for (const a of loaded.attempts) {
      log.warn({ model: this.name, version: this.version, provider: a.provider, error: a.error }, 'execution provider failed to load; trying the next');
    }
    log.info({ model: this.name, version: this.version, provider: loaded.provider, requested: config.executionProviders.join(',') }, 'execution provider in use');
    metrics.providerInfo.set({ ...this.labels, provider: loaded.provider, requested: config.executionProviders.join(',') }, 1);
    for (let i = 1; i < config.workers && !this.closing; i++) await this.pool.spawn().load(this.location.modelPath, [loaded.provider], config.intraOpThreads);
    this.inputs = loaded.inputs.map((v) => toSpec(v, 'input'));
    this.outputs = loaded.outputs.map((v) => toSpec(v, 'output'));
    if (this.options.expectedSignature !== '') {
      let expected: ModelSignature;
      try {
        expected = JSON.parse(this.options.expectedSignature) as ModelSignature;
      } catch (error) {
        throw new Error(`MODEL_SERVER_MODEL_SIGNATURE is not valid JSON: ${(error as Error).message}`);
      }
      const problems = signatureDifferences(expected, this);
      if (problems.length > 0) {
        throw new Error(`the loaded model differs from the signature seen at synth time (MODEL_SERVER_MODEL_SIGNATURE): ${problems.join('; ')}`);
      }
    }
    this.batchable =
      config.maxBatchSize > 1 &&
      this.inputs.every((t) => t.shape.length > 0 && t.shape[0]! < 0) &&
      this.outputs.every((t) => t.shape.length > 0 && t.shape[0]! < 0);
  }

  /** A worker that dies while serving is replaced (its in-flight batch already failed with 500). */
  private workerExited(code: number): void {
    if (this.closing) return;
    const { log, metrics, config } = this.options;
    if (this.state !== 'READY' || this.respawns >= MAX_RESPAWNS) {
      this.state = 'UNAVAILABLE';
      this.reason = `inference worker exited with code ${code}${this.respawns >= MAX_RESPAWNS ? ` (after ${MAX_RESPAWNS} restarts)` : ''}`;
      log.error({ model: this.name, version: this.version, code }, 'inference worker exited; model unavailable');
      metrics.modelReady.set({ ...this.labels, provider: this.provider || 'none' }, 0);
      return;
    }
    this.respawns++;
    log.error({ model: this.name, version: this.version, code, restart: this.respawns }, 'inference worker exited; starting a new one');
    const fresh = this.pool.spawn();
    fresh.busy = true;
    fresh.load(this.location.modelPath, [this.provider], config.intraOpThreads).then(
      () => {
        fresh.busy = false;
        this.scheduler.pump();
      },
      (error: Error) => {
        if (this.closing) return;
        this.state = 'UNAVAILABLE';
        this.reason = `inference worker exited and a new one failed to load: ${error.message}`;
        log.error({ model: this.name, version: this.version, reason: this.reason }, 'model unavailable');
        metrics.modelReady.set({ ...this.labels, provider: this.provider || 'none' }, 0);
      },
    );
  }

  /** Inputs read from `<version>/warmup/*.json` (`{"inputs": [OIP tensors]}`), as Triton's model_warmup. */
  private warmupSamples(): { file: string; feeds: Outputs }[] | undefined {
    const dir = join(dirname(this.location.goldenDir), 'warmup');
    if (!existsSync(dir)) return undefined;
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    if (files.length === 0) return undefined;
    return files.map((file) => {
      const where = `warm-up sample ${join('warmup', file)}`;
      let doc: { inputs?: unknown };
      try {
        doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as typeof doc;
      } catch (error) {
        throw new Error(`${where}: not valid JSON (${(error as Error).message})`);
      }
      if (!Array.isArray(doc.inputs)) throw new Error(`${where}: needs an "inputs" array of OIP tensors`);
      try {
        return { file, feeds: this.feedsFrom(doc.inputs as RawTensor[]) };
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`);
      }
    });
  }

  private feedsFrom(raws: readonly RawTensor[]): Outputs {
    const feeds: Outputs = {};
    for (const raw of raws) {
      const spec = this.inputs.find((t) => t.name === raw.name);
      if (!spec) throw new Error(`unknown input '${raw.name}'`);
      checkDatatype(raw.name, raw.datatype, spec);
      const shape = checkShape(raw.name, raw.shape, spec);
      feeds[raw.name] = fromJsonTensor(raw.name, raw.datatype, shape, raw.data, { allowNonFinite: true });
    }
    for (const spec of this.inputs) if (!feeds[spec.name]) throw new Error(`missing input '${spec.name}'`);
    return feeds;
  }

  /**
   * Warm-up proves latency, not correctness: samples from the model folder must run (they are the user's
   * own inputs), but a failure on synthetic inputs is only a warning: a model may divide by an input or use
   * one as a shape, which no synthetic value can guess. Golden samples remain the correctness gate.
   */
  private async warmUp(): Promise<void> {
    const runs = this.options.config.warmupRuns;
    if (runs === 0) return;
    const samples = this.warmupSamples();
    const { log } = this.options;
    if (samples) {
      for (const w of this.pool.all) {
        for (let i = 0; i < Math.max(runs, samples.length) && !this.closing; i++) {
          const sample = samples[i % samples.length]!;
          try {
            this.warmupMs.push((await w.run(sample.feeds)).computeMs);
          } catch (error) {
            if (this.closing) return;
            throw new Error(`warm-up sample ${join('warmup', sample.file)} failed: ${(error as Error).message}`);
          }
        }
      }
      this.scheduler.markProven();
      return;
    }
    const feeds = syntheticInputs(this.inputs);
    for (const w of this.pool.all) {
      for (let i = 0; i < runs && !this.closing; i++) {
        try {
          this.warmupMs.push((await w.run(feeds)).computeMs);
        } catch (error) {
          if (this.closing) return;
          log.warn(
            { model: this.name, version: this.version, error: redact((error as Error).message) },
            'warm-up on synthetic inputs failed; the model stays available (add warmup/*.json samples to warm it up with real inputs)',
          );
          return;
        }
      }
    }
    this.scheduler.markProven();
  }

  /**
   * Golden self-check: every `<version>/golden/*.json` is `{"inputs": [OIP input tensors], "outputs":
   * [{"name", "data", "shape"?}]}`; all listed outputs must match within MODEL_SERVER_GOLDEN_TOLERANCE.
   */
  private async selfCheck(): Promise<void> {
    const dir = this.location.goldenDir;
    if (!existsSync(dir)) return;
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    const tolerance = this.options.config.goldenTolerance;
    for (const file of files) {
      if (this.closing) return;
      const where = `golden self-check ${join('golden', file)}`;
      let doc: { inputs?: unknown; outputs?: unknown };
      try {
        doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as typeof doc;
      } catch (error) {
        throw new Error(`${where}: not valid JSON (${(error as Error).message})`);
      }
      if (!Array.isArray(doc.inputs) || !Array.isArray(doc.outputs)) throw new Error(`${where}: needs "inputs" and "outputs" arrays`);
      let feeds: Outputs;
      try {
        feeds = this.feedsFrom(doc.inputs as RawTensor[]);
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`);
      }
      const result = await this.pool.all[0]!.run(feeds);
      for (const want of doc.outputs as { name: string; data: unknown; shape?: number[] }[]) {
        const got = result.outputs[want.name];
        if (!got) throw new Error(`${where}: the model has no output '${want.name}'`);
        if (want.shape && want.shape.join(',') !== got.shape.join(',')) {
          throw new Error(`${where}: output '${want.name}' has shape [${got.shape.join(',')}], expected [${want.shape.join(',')}]`);
        }
        const expected = (Array.isArray(want.data) ? want.data.flat(Infinity) : []) as unknown[];
        const actual = toJsonValues(got);
        if (expected.length !== actual.length) {
          throw new Error(`${where}: output '${want.name}' has ${actual.length} elements, expected ${expected.length}`);
        }
        for (let i = 0; i < actual.length; i++) {
          const a = typeof actual[i] === 'bigint' ? Number(actual[i]) : actual[i];
          const e = expected[i];
          const ok = typeof a === 'number' && typeof e === 'number' ? Math.abs(a - e) <= tolerance || (Number.isNaN(a) && Number.isNaN(e)) : a === e;
          if (!ok) {
            throw new Error(
              `${where}: output '${want.name}' element ${i} is ${String(a)}, expected ${String(e)} (MODEL_SERVER_GOLDEN_TOLERANCE=${tolerance}); check the export and the execution provider (${this.provider})`,
            );
          }
        }
      }
      this.scheduler.markProven();
      this.options.log.info({ model: this.name, version: this.version, file }, 'golden self-check passed');
    }
  }

  /**
   * A CPU model whose fastest warm-up run took less than MODEL_SERVER_INLINE_RUN_MAX_US gets a session on
   * the event loop for idle-time requests. Its file must be small, since creating that session blocks the
   * event loop for as long as loading takes.
   */
  private async maybeInline(): Promise<void> {
    const limitMs = this.options.config.inlineRunMaxMicros / 1000;
    if (limitMs === 0 || this.provider !== 'cpu' || this.warmupMs.length === 0) return;
    // The fastest warm-up run is the model's own cost; the median also measured the machine's load (on a
    // busy host it flipped the decision from one start to the next, and with it c=1 latency by ~100 us).
    const fastest = Math.min(...this.warmupMs);
    if (fastest >= limitMs || statSync(this.location.modelPath).size > MAX_INLINE_MODEL_BYTES) return;
    try {
      this.inlineSession = await InlineSession.create(this.location.modelPath, this.options.config.intraOpThreads);
      this.options.log.info({ model: this.name, version: this.version, fastestRunUs: Math.round(fastest * 1000) }, 'tiny model: idle-time requests run on the event loop');
    } catch (error) {
      this.options.log.warn({ model: this.name, version: this.version, error: (error as Error).message }, 'event-loop session failed to load; every request uses the workers');
    }
  }

  /** Whether idle-time requests run on the event loop (tiny models). */
  get inline(): boolean {
    return this.inlineSession !== undefined;
  }

  /** Queues one request; `rows` is its first dimension (batchable models) and decides how it batches. */
  infer(inputs: Outputs, rows: number, trace?: RequestTrace): Promise<Outputs> {
    if (this.state !== 'READY') {
      throw new NotReady(`model '${this.name}' version ${this.version} is not ready (${this.state}${this.reason ? `: ${this.reason}` : ''})`);
    }
    return this.scheduler.enqueue(trace ? { inputs, rows, trace } : { inputs, rows });
  }

  /** Feeds the predicted-class counter, the cheapest signal that a model's output distribution drifted. */
  private countClasses(outputs: Outputs): void {
    for (const spec of this.outputs) {
      const t = outputs[spec.name];
      if (!t) continue;
      if ((t.datatype === 'FP32' || t.datatype === 'FP64' || t.datatype === 'FP16') && t.shape.length === 2 && t.shape[1]! >= 2) {
        const width = t.shape[1]!;
        if (width > MAX_CLASS_LABELS) continue;
        const d = t.data as Float32Array | Uint16Array;
        const half = t.datatype === 'FP16';
        for (let r = 0; r < t.shape[0]!; r++) {
          let best = 0;
          let bestValue = -Infinity;
          for (let c = 0; c < width; c++) {
            const v = half ? fromHalfBits(d[r * width + c]!) : d[r * width + c]!;
            if (v > bestValue) {
              bestValue = v;
              best = c;
            }
          }
          this.countClass(spec.name, String(best));
        }
      } else if ((t.datatype === 'INT64' || t.datatype === 'INT32') && t.shape.length === 1) {
        for (const v of t.data as BigInt64Array | Int32Array) this.countClass(spec.name, String(v));
      }
    }
  }

  private countClass(output: string, label: string): void {
    let seen = this.classSeries.get(output);
    if (!seen) this.classSeries.set(output, (seen = new Map()));
    let series = seen.get(label);
    if (!series) {
      if (seen.size >= MAX_CLASS_LABELS) return;
      seen.set(label, (series = this.series.predictedClass(output, label)));
    }
    series.inc();
  }

  /**
   * Finishes every queued and running request, then lets each worker end itself once its native call has
   * returned. During loading, the load stops after the native call under way.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.scheduler.idle();
    await this.pool.stop();
    await this.inlineSession?.release();
    this.inlineSession = undefined;
  }
}

interface RawTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown;
}

/**
 * Synthetic warm-up inputs: ones rather than zeros (a zero divisor, step, scale or target shape fails
 * models that serve real inputs well), dynamic dimensions as 1.
 */
export function syntheticInputs(inputs: readonly TensorSpec[]): Outputs {
  const feeds: Outputs = {};
  for (const t of inputs) {
    const shape = t.shape.map((d) => (d < 0 ? 1 : d));
    const count = elementCount(shape);
    const data = allocate(t.datatype, count);
    if (Array.isArray(data)) data.fill('a');
    else if (data instanceof BigInt64Array || data instanceof BigUint64Array) data.fill(1n);
    else if (t.datatype === 'FP16') (data as Uint16Array).fill(0x3c00);
    else (data as Float32Array).fill(1);
    feeds[t.name] = { datatype: t.datatype, shape, data };
  }
  return feeds;
}
