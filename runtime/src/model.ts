/**
 * One served model version: its worker threads, its dynamic batching queue, warm-up, golden self-check and
 * signature check.
 */
import { Worker } from 'node:worker_threads';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { ModelSignature, ServerConfig, TensorSpec } from '../../lib/contract';
import { Draining, InferenceFailed, NotReady, QueueFull, TimedOut, withRetryAfter } from './errors';
import type { ServerMetrics } from './metrics';
import {
  allocate, checkDatatype, checkShape, concatRows, elementCount, fromHalfBits, fromJsonTensor, OIP_FROM_ORT, sliceRows,
  toJsonValues, type HostTensor,
} from './tensor';
import type { LoadResult, RunResult, ValueInfo, WorkerReply, WorkerRequest } from './worker-protocol';

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
}

type Outputs = Record<string, HostTensor>;

interface Pending {
  readonly inputs: Outputs;
  readonly rows: number;
  readonly enqueuedAt: number;
  readonly resolve: (outputs: Outputs) => void;
  readonly reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
  settled: boolean;
}

class WorkerHandle {
  readonly worker: Worker;
  busy = false;
  dead = false;
  /** The load or run under way: terminating a worker inside native onnxruntime code aborts the process. */
  private current = new Set<Promise<unknown>>();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>();
  private loading?: { resolve: (r: LoadResult) => void; reject: (e: Error) => void };

  constructor(path: string, onExit: (code: number) => void) {
    this.worker = new Worker(path);
    // The HTTP server keeps the process alive; a worker alone must not (a failed start should still exit).
    this.worker.unref();
    this.worker.on('message', (msg: WorkerReply) => this.receive(msg));
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => {
      this.dead = true;
      this.failAll(new Error(`inference worker exited with code ${code}`));
      onExit(code);
    });
  }

  private receive(msg: WorkerReply): void {
    if (msg.type === 'loaded') {
      this.loading?.resolve(msg);
      this.loading = undefined;
    } else if (msg.type === 'result') {
      this.pending.get(msg.id)?.resolve(msg);
      this.pending.delete(msg.id);
    } else if (msg.id === undefined) {
      this.loading?.reject(new Error(msg.message));
      this.loading = undefined;
    } else {
      this.pending.get(msg.id)?.reject(new Error(msg.message));
      this.pending.delete(msg.id);
    }
  }

  private failAll(error: Error): void {
    this.loading?.reject(error);
    this.loading = undefined;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private post(msg: WorkerRequest): void {
    this.worker.postMessage(msg);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.current.add(settled);
    void settled.then(() => this.current.delete(settled));
    return p;
  }

  load(modelPath: string, providers: readonly string[], intraOpThreads: number): Promise<LoadResult> {
    return this.track(
      new Promise((resolve, reject) => {
        this.loading = { resolve, reject };
        this.post({ type: 'load', modelPath, providers, intraOpThreads });
      }),
    );
  }

  run(feeds: Outputs): Promise<RunResult> {
    const id = this.nextId++;
    return this.track(
      new Promise((resolve, reject) => {
        if (this.dead) return reject(new Error('inference worker is not running'));
        this.pending.set(id, { resolve, reject });
        this.post({ type: 'run', id, feeds });
      }),
    );
  }

  /** Waits for the native call under way (at most `graceMs`), then stops the thread. */
  async terminate(graceMs: number): Promise<void> {
    if (this.current.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(this.current), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    this.dead = true;
    await this.worker.terminate();
  }
}

function toSpec(v: ValueInfo, kind: 'input' | 'output'): TensorSpec {
  const datatype = OIP_FROM_ORT[v.type];
  if (v.type === 'non-tensor') throw new Error(`${kind} '${v.name}' is not a tensor (sequences and maps cannot be served)`);
  if (datatype === 'BF16') {
    throw new Error(`${kind} '${v.name}' is BF16, which onnxruntime-node cannot feed or fetch; export the model with FP32 or FP16 ${kind}s`);
  }
  if (!datatype) throw new Error(`${kind} '${v.name}' has element type ${v.type}, which onnxruntime-node cannot serve`);
  return { name: v.name, datatype, shape: v.shape, dimNames: v.dimNames };
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
  private workers: WorkerHandle[] = [];
  private readonly queue: Pending[] = [];
  private flushTimer?: NodeJS.Timeout;
  private readonly classLabels = new Map<string, Set<string>>();
  private closing = false;

  constructor(readonly location: ModelLocation, private readonly options: ModelRuntimeOptions) {}

  get name(): string {
    return this.location.name;
  }

  get version(): string {
    return this.location.version;
  }

  private get labels(): { model: string; version: string } {
    return { model: this.name, version: this.version };
  }

  /** Loads, checks and warms the model; never throws (a failure leaves the model UNAVAILABLE with a reason). */
  async load(): Promise<void> {
    const { log, metrics } = this.options;
    const started = performance.now();
    try {
      await this.loadWorkers();
      if (this.closing) return;
      await this.warmUp();
      await this.selfCheck();
      this.state = 'READY';
      log.info(
        { model: this.name, version: this.version, provider: this.provider, batchable: this.batchable, loadMs: Math.round(performance.now() - started) },
        'model ready',
      );
    } catch (error) {
      this.state = 'UNAVAILABLE';
      this.reason = error instanceof Error ? error.message : String(error);
      log.error({ model: this.name, version: this.version, reason: this.reason }, 'model unavailable');
    }
    metrics.modelReady.set({ ...this.labels, provider: this.provider || 'none' }, this.state === 'READY' ? 1 : 0);
  }

  private async loadWorkers(): Promise<void> {
    const { config, log, metrics } = this.options;
    const first = this.spawn();
    const loaded = await first.load(this.location.modelPath, config.executionProviders, config.intraOpThreads);
    this.provider = loaded.provider;
    this.attempts = loaded.attempts;
    for (const a of loaded.attempts) {
      log.warn({ model: this.name, version: this.version, provider: a.provider, error: a.error }, 'execution provider failed to load; trying the next');
    }
    log.info({ model: this.name, version: this.version, provider: loaded.provider, requested: config.executionProviders.join(',') }, 'execution provider in use');
    metrics.providerInfo.set({ ...this.labels, provider: loaded.provider, requested: config.executionProviders.join(',') }, 1);
    for (let i = 1; i < config.workers; i++) await this.spawn().load(this.location.modelPath, [loaded.provider], config.intraOpThreads);
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

  private spawn(): WorkerHandle {
    const handle: WorkerHandle = new WorkerHandle(this.options.workerPath, (code) => this.workerExited(handle, code));
    this.workers.push(handle);
    return handle;
  }

  private respawns = 0;

  /** A worker that dies while serving is replaced (its in-flight batch already failed with 500). */
  private workerExited(handle: WorkerHandle, code: number): void {
    if (this.closing) return;
    const { log, metrics, config } = this.options;
    this.workers = this.workers.filter((w) => w !== handle);
    if (this.state !== 'READY' || this.respawns >= MAX_RESPAWNS) {
      this.state = 'UNAVAILABLE';
      this.reason = `inference worker exited with code ${code}${this.respawns >= MAX_RESPAWNS ? ` (after ${MAX_RESPAWNS} restarts)` : ''}`;
      log.error({ model: this.name, version: this.version, code }, 'inference worker exited; model unavailable');
      metrics.modelReady.set({ ...this.labels, provider: this.provider || 'none' }, 0);
      return;
    }
    this.respawns++;
    log.error({ model: this.name, version: this.version, code, restart: this.respawns }, 'inference worker exited; starting a new one');
    const fresh = this.spawn();
    fresh.busy = true;
    fresh.load(this.location.modelPath, [this.provider], config.intraOpThreads).then(
      () => {
        fresh.busy = false;
        this.pump();
      },
      (error: Error) => {
        this.state = 'UNAVAILABLE';
        this.reason = `inference worker exited and a new one failed to load: ${error.message}`;
        log.error({ model: this.name, version: this.version, reason: this.reason }, 'model unavailable');
        metrics.modelReady.set({ ...this.labels, provider: this.provider || 'none' }, 0);
      },
    );
  }

  private async warmUp(): Promise<void> {
    const runs = this.options.config.warmupRuns;
    if (runs === 0) return;
    const feeds: Outputs = {};
    for (const t of this.inputs) {
      const shape = t.shape.map((d) => (d < 0 ? 1 : d));
      feeds[t.name] = { datatype: t.datatype, shape, data: allocate(t.datatype, elementCount(shape)) };
    }
    for (const w of this.workers) {
      for (let i = 0; i < runs; i++) await w.run(feeds);
    }
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
      const where = `golden self-check ${join('golden', file)}`;
      let doc: { inputs?: unknown; outputs?: unknown };
      try {
        doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as typeof doc;
      } catch (error) {
        throw new Error(`${where}: not valid JSON (${(error as Error).message})`);
      }
      if (!Array.isArray(doc.inputs) || !Array.isArray(doc.outputs)) throw new Error(`${where}: needs "inputs" and "outputs" arrays`);
      const feeds: Outputs = {};
      try {
        for (const raw of doc.inputs as { name: string; datatype: string; shape: number[]; data: unknown }[]) {
          const spec = this.inputs.find((t) => t.name === raw.name);
          if (!spec) throw new Error(`unknown input '${raw.name}'`);
          checkDatatype(raw.name, raw.datatype, spec);
          const shape = checkShape(raw.name, raw.shape, spec);
          feeds[raw.name] = fromJsonTensor(raw.name, raw.datatype, shape, raw.data, { allowNonFinite: true });
        }
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`);
      }
      const result = await this.workers[0]!.run(feeds);
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
          const a = actual[i];
          const e = expected[i];
          const ok = typeof a === 'number' && typeof e === 'number' ? Math.abs(a - e) <= tolerance || (Number.isNaN(a) && Number.isNaN(e)) : a === e;
          if (!ok) {
            throw new Error(
              `${where}: output '${want.name}' element ${i} is ${String(a)}, expected ${String(e)} (MODEL_SERVER_GOLDEN_TOLERANCE=${tolerance}); check the export and the execution provider (${this.provider})`,
            );
          }
        }
      }
      this.options.log.info({ model: this.name, version: this.version, file }, 'golden self-check passed');
    }
  }

  /** Queues one request; `rows` is its first dimension (batchable models) and decides how it batches. */
  infer(inputs: Outputs, rows: number): Promise<Outputs> {
    if (this.state !== 'READY') {
      throw new NotReady(`model '${this.name}' version ${this.version} is not ready (${this.state}${this.reason ? `: ${this.reason}` : ''})`);
    }
    const { config, metrics } = this.options;
    if (this.queue.length >= config.maxQueueSize) {
      metrics.failures.inc({ ...this.labels, reason: 'queue_full' });
      throw withRetryAfter(
        new QueueFull(`model '${this.name}' version ${this.version}: queue is full (${config.maxQueueSize} requests waiting, MODEL_SERVER_MAX_QUEUE_SIZE); retry later`),
        1,
      );
    }
    return new Promise<Outputs>((resolve, reject) => {
      const pending: Pending = { inputs, rows, enqueuedAt: performance.now(), resolve, reject, settled: false };
      pending.timer = setTimeout(() => this.expire(pending), config.requestTimeoutMs);
      this.queue.push(pending);
      metrics.queueDepth.set(this.labels, this.queue.length);
      this.pump();
    });
  }

  private expire(p: Pending): void {
    if (p.settled) return;
    p.settled = true;
    const i = this.queue.indexOf(p);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.options.metrics.queueDepth.set(this.labels, this.queue.length);
    }
    this.options.metrics.failures.inc({ ...this.labels, reason: 'timeout' });
    p.reject(
      new TimedOut(`model '${this.name}' version ${this.version}: no answer within ${this.options.config.requestTimeoutMs} ms (MODEL_SERVER_REQUEST_TIMEOUT_MS)`),
    );
  }

  private settle(p: Pending, outcome: Outputs | Error): void {
    if (p.settled) return;
    p.settled = true;
    clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  private pump(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    const { maxBatchSize, maxQueueDelayMs } = this.options.config;
    while (this.queue.length > 0) {
      const worker = this.workers.find((w) => !w.busy && !w.dead);
      if (!worker) return;
      let batch: Pending[];
      if (!this.batchable) {
        batch = [this.queue.shift()!];
      } else {
        const head = this.queue[0]!;
        batch = [head];
        let rows = head.rows;
        for (let i = 1; i < this.queue.length && rows < maxBatchSize; i++) {
          const c = this.queue[i]!;
          if (rows + c.rows <= maxBatchSize && sameTrailingShapes(head.inputs, c.inputs)) {
            batch.push(c);
            rows += c.rows;
          }
        }
        const waitLeft = head.enqueuedAt + maxQueueDelayMs - performance.now();
        if (rows < maxBatchSize && waitLeft > 0) {
          this.flushTimer = setTimeout(() => {
            this.flushTimer = undefined;
            this.pump();
          }, Math.ceil(waitLeft));
          return;
        }
        const taken = new Set(batch);
        for (let i = this.queue.length - 1; i >= 0; i--) if (taken.has(this.queue[i]!)) this.queue.splice(i, 1);
      }
      this.options.metrics.queueDepth.set(this.labels, this.queue.length);
      this.execute(worker, batch);
    }
  }

  private execute(worker: WorkerHandle, batch: Pending[]): void {
    const { metrics } = this.options;
    worker.busy = true;
    const start = performance.now();
    for (const p of batch) metrics.queueDuration.observe(this.labels, (start - p.enqueuedAt) / 1000);
    let feeds: Outputs;
    if (batch.length === 1) {
      feeds = batch[0]!.inputs;
    } else {
      feeds = {};
      for (const name of Object.keys(batch[0]!.inputs)) feeds[name] = concatRows(batch.map((p) => p.inputs[name]!));
    }
    const rows = this.batchable ? batch.reduce((n, p) => n + p.rows, 0) : 1;
    worker
      .run(feeds)
      .then(
        (result) => {
          metrics.execCount.inc(this.labels);
          metrics.inferenceCount.inc(this.labels, rows);
          metrics.batchSize.observe(this.labels, rows);
          metrics.inferenceDuration.observe({ ...this.labels, provider: this.provider }, result.computeMs / 1000);
          this.countClasses(result.outputs);
          if (batch.length === 1) {
            this.settle(batch[0]!, result.outputs);
            return;
          }
          let offset = 0;
          for (const p of batch) {
            const mine: Outputs = {};
            for (const [name, t] of Object.entries(result.outputs)) {
              mine[name] = t.shape[0] === rows ? sliceRows(t, offset, offset + p.rows) : t;
            }
            offset += p.rows;
            this.settle(p, mine);
          }
        },
        (error: Error) => {
          metrics.failures.inc({ ...this.labels, reason: 'runtime' }, batch.length);
          this.options.log.error({ model: this.name, version: this.version, error: error.message }, 'inference failed');
          for (const p of batch) this.settle(p, new InferenceFailed(`model '${this.name}' version ${this.version}: inference failed: ${error.message}`));
        },
      )
      .finally(() => {
        worker.busy = false;
        this.pump();
      });
  }

  /** Feeds the predicted-class counter, the cheapest signal that a model's output distribution drifted. */
  private countClasses(outputs: Outputs): void {
    for (const spec of this.outputs) {
      const t = outputs[spec.name];
      if (!t) continue;
      const classes: string[] = [];
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
          classes.push(String(best));
        }
      } else if ((t.datatype === 'INT64' || t.datatype === 'INT32') && t.shape.length === 1) {
        for (const v of t.data as BigInt64Array | Int32Array) classes.push(String(v));
      } else {
        continue;
      }
      let seen = this.classLabels.get(spec.name);
      if (!seen) this.classLabels.set(spec.name, (seen = new Set()));
      for (const c of classes) {
        if (!seen.has(c)) {
          if (seen.size >= MAX_CLASS_LABELS) continue;
          seen.add(c);
        }
        this.options.metrics.predictedClass.inc({ ...this.labels, output: spec.name, class: c });
      }
    }
  }

  /** Stops the workers once their current native call returns (bounded by the drain time). */
  async close(graceMs = this.options.config.drainSeconds * 1000): Promise<void> {
    this.closing = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const p of this.queue.splice(0)) this.settle(p, new Draining(`model '${this.name}' is shutting down`));
    await Promise.all(this.workers.map((w) => w.terminate(graceMs)));
  }
}

function sameTrailingShapes(a: Outputs, b: Outputs): boolean {
  for (const [name, t] of Object.entries(a)) {
    const u = b[name];
    if (!u || u.shape.length !== t.shape.length) return false;
    for (let i = 1; i < t.shape.length; i++) if (t.shape[i] !== u.shape[i]) return false;
  }
  return true;
}
