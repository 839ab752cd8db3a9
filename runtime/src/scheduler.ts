/**
 * The batch scheduler of one model version (after Triton's scheduler.h: enqueue a request, count what is
 * in flight, stop). Adaptive: a free worker takes everything queued at once (up to the max batch size);
 * batches form only from requests that arrive while every worker is busy, or, for at most
 * MODEL_SERVER_MAX_QUEUE_DELAY_MS, from requests whose bodies are still being received.
 *
 * Batching never mixes or poisons requests: every execution's outputs must split by rows (first dimension
 * equal to the batch's rows), else the batch is run again request by request and the model is marked
 * unbatchable; a batch that fails is run again request by request so only the offending request fails.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerConfig } from '../../lib/contract';
import { BadInput, InferenceFailed, TimedOut, QueueFull, withRetryAfter } from './errors';
import type { ModelSeries, ServerMetrics } from './metrics';
import { concatRows, sliceRows, type HostTensor } from './tensor';
import type { InlineSession } from './inline';
import { traceBatch, type RequestTrace } from './tracing';
import { PoolStopping, RunError, TextRejectedError, type WorkerHandle, type WorkerPool } from './worker-pool';
import { decodeAll, feedFor, isTextFeed, TextTensor, type Feed } from './text-tensor';
import type { RunResult } from './worker-protocol';

export type Tensors = Record<string, HostTensor>;

export interface InferenceRequest {
  readonly inputs: Tensors;
  /** First dimension of every input (1 when the model is not batchable). */
  readonly rows: number;
  /** The request's trace (tracing on): gets a queue-wait span and a link from its batch's run span. */
  readonly trace?: RequestTrace;
}

/** What the protocols need from a scheduler. */
export interface Scheduler {
  /** Queues one request; settles with its outputs or a coded error (400, 500, 503, 504). */
  enqueue(request: InferenceRequest): Promise<Tensors>;
  /** Requests queued or executing. */
  readonly inflight: number;
  /** Settles once nothing is queued or executing. */
  idle(): Promise<void>;
}

export interface SchedulerContext {
  readonly name: string;
  readonly version: string;
  readonly config: ServerConfig;
  readonly metrics: ServerMetrics;
  readonly log: FastifyBaseLogger;
  readonly pool: WorkerPool;
  batchable(): boolean;
  /** Called once an execution's outputs did not split by rows. */
  markUnbatchable(reason: string): void;
  provider(): string;
  /** Every successful execution's outputs (predicted-class metrics). */
  observe(outputs: Tensors): void;
  /** Whether request bodies are still being received (worth holding a partial batch for). */
  receiving(): boolean;
  /** The event-loop session of a tiny model, when it has one (inline.ts). */
  inline(): InlineSession | undefined;
}

interface Pending {
  readonly request: InferenceRequest;
  readonly enqueuedAt: number;
  readonly resolve: (outputs: Tensors) => void;
  readonly reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
  settled: boolean;
}

/** onnxruntime messages can quote tensor values; logs keep their shape, not their numbers or strings. */
export function redact(message: string): string {
  return message.replace(/"[^"]*"|'[^']*'/g, '"…"').replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, '#');
}

export class BatchScheduler implements Scheduler {
  private readonly queue: Pending[] = [];
  private executing = 0;
  private holdTimer?: NodeJS.Timeout;
  private paused = false;
  private idleWaiters: (() => void)[] = [];
  /** Set once the model ran successfully: later run failures are the request's values, not the model. */
  private proven = false;
  /** This model's metric series, bound once (metric-series.ts). */
  private readonly series: ModelSeries;

  constructor(private readonly ctx: SchedulerContext) {
    this.series = ctx.metrics.model(ctx.name, ctx.version);
  }

  private get labels(): { model: string; version: string } {
    return { model: this.ctx.name, version: this.ctx.version };
  }

  get inflight(): number {
    return this.queue.length + this.executing;
  }

  /** Marks the model as known to run (warm-up or golden samples succeeded). */
  markProven(): void {
    this.proven = true;
  }

  enqueue(request: InferenceRequest): Promise<Tensors> {
    const { config, metrics } = this.ctx;
    if (this.queue.length >= config.maxQueueSize) {
      metrics.failures.inc({ ...this.labels, reason: 'queue_full' });
      throw withRetryAfter(
        new QueueFull(`model '${this.ctx.name}' version ${this.ctx.version}: queue is full (${config.maxQueueSize} requests waiting, MODEL_SERVER_MAX_QUEUE_SIZE); retry later`),
        1,
      );
    }
    return new Promise<Tensors>((resolve, reject) => {
      const p: Pending = { request, enqueuedAt: performance.now(), resolve, reject, settled: false };
      p.timer = setTimeout(() => this.expire(p), config.requestTimeoutMs);
      this.queue.push(p);
      this.series.queueDepth.set(this.queue.length);
      this.pump();
    });
  }

  /** Test seam and drain aid: hold dispatching (requests still queue) until resume(). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  idle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private checkIdle(): void {
    if (this.inflight !== 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private expire(p: Pending): void {
    if (p.settled) return;
    const i = this.queue.indexOf(p);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.series.queueDepth.set(this.queue.length);
    }
    this.ctx.metrics.failures.inc({ ...this.labels, reason: 'timeout' });
    this.settle(
      p,
      new TimedOut(`model '${this.ctx.name}' version ${this.ctx.version}: no answer within ${this.ctx.config.requestTimeoutMs} ms (MODEL_SERVER_REQUEST_TIMEOUT_MS)`),
    );
    this.checkIdle();
  }

  private settle(p: Pending, outcome: Tensors | Error): void {
    if (p.settled) return;
    p.settled = true;
    clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  /** Dispatches what is queued to free workers. Safe to call at any time. */
  pump(): void {
    if (this.holdTimer) {
      clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
    }
    if (this.paused) return;
    const { maxBatchSize, maxQueueDelayMs } = this.ctx.config;
    const inline = this.ctx.inline();
    if (inline && this.executing === 0 && this.queue.length === 1 && !this.ctx.receiving()) {
      // Nothing else queued, running or arriving: a tiny model answers faster without the thread hop.
      const p = this.queue.shift()!;
      this.series.queueDepth.set(0);
      void this.executeInline(inline, p);
      return;
    }
    while (this.queue.length > 0) {
      const worker = this.ctx.pool.idle();
      if (!worker) return;
      const batch = this.take(maxBatchSize);
      const rows = batch.reduce((n, p) => n + p.request.rows, 0);
      // Hold a partial batch only while more bodies are arriving, and never past the queue delay.
      if (this.ctx.batchable() && rows < maxBatchSize && maxQueueDelayMs > 0 && this.ctx.receiving()) {
        const waitLeft = batch[0]!.enqueuedAt + maxQueueDelayMs - performance.now();
        if (waitLeft > 0) {
          this.holdTimer = setTimeout(() => this.pump(), Math.ceil(waitLeft));
          return;
        }
      }
      const taken = new Set(batch);
      for (let i = this.queue.length - 1; i >= 0; i--) if (taken.has(this.queue[i]!)) this.queue.splice(i, 1);
      this.series.queueDepth.set(this.queue.length);
      void this.execute(worker, batch, rows);
    }
  }

  private take(maxBatchSize: number): Pending[] {
    const head = this.queue[0]!;
    if (!this.ctx.batchable()) return [head];
    const batch = [head];
    let rows = head.request.rows;
    for (let i = 1; i < this.queue.length && rows < maxBatchSize; i++) {
      const c = this.queue[i]!;
      if (rows + c.request.rows <= maxBatchSize && sameTrailingShapes(head.request.inputs, c.request.inputs)) {
        batch.push(c);
        rows += c.request.rows;
      }
    }
    return batch;
  }

  private async execute(worker: WorkerHandle, batch: Pending[], rows: number): Promise<void> {
    worker.busy = true;
    this.executing += batch.length;
    const start = performance.now();
    for (const p of batch) this.series.queueDuration.observe((start - p.enqueuedAt) / 1000);
    const span = traceBatch(batch, start, rows, 'worker');
    try {
      await this.runGroup(worker, batch);
    } finally {
      span?.end();
      this.executing -= batch.length;
      worker.busy = false;
      this.checkIdle();
      this.pump();
    }
  }

  /** Runs requests as one execution (alone when one); requests whose JSON data does not read are answered 400 and left out. */
  private async runGroup(worker: WorkerHandle, group: Pending[]): Promise<void> {
    const batch = this.readMixed(group);
    if (batch.length === 0) return;
    if (batch.length === 1) {
      await this.runAlone(worker, batch[0]!);
      return;
    }
    const rows = batch.reduce((n, p) => n + p.request.rows, 0);
    const feeds: Record<string, Feed> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name of Object.keys(batch[0]!.request.inputs)) {
      const feed = feedFor(batch.map((p) => p.request.inputs[name]!), concatRows, transfer);
      feeds[name] = feed;
      // Joined from two or more requests for this run: moved to the thread, not copied. Each request keeps
      // its own inputs for a rerun alone.
      if (!isTextFeed(feed) && !Array.isArray(feed.data)) transfer.push((feed.data as Uint8Array).buffer as ArrayBuffer);
    }
    let result: RunResult;
    try {
      result = await worker.run(feeds, transfer);
    } catch (error) {
      if (error instanceof TextRejectedError) {
        // Some requests' data did not read (the thread checked it): they get their 400, the rest run.
        const bad = new Set(error.failures.map((f) => f.part));
        for (const f of error.failures) this.settle(batch[f.part]!, new BadInput(f.message));
        await this.runGroup(worker, batch.filter((_, i) => !bad.has(i)));
        return;
      }
      if (!(error instanceof RunError)) {
        for (const p of batch) this.fail(p, error as Error);
        return;
      }
      // One request's values may have failed the whole batch: find out which by running each alone.
      this.ctx.log.warn({ model: this.ctx.name, version: this.ctx.version, rows, error: redact((error as Error).message) }, 'batch failed; running its requests one by one');
      for (const p of batch) await this.runAlone(worker, p);
      return;
    }
    const unsplit = Object.entries(result.outputs).find(([, t]) => t.shape[0] !== rows);
    if (unsplit) {
      // The outputs do not split by rows: slicing would hand one client another's values. The execution
      // counts (it ran); its rows are counted when each request runs alone.
      this.series.execCount.inc();
      this.ctx.markUnbatchable(
        `output '${unsplit[0]}' had shape [${unsplit[1].shape.join(',')}] for a batch of ${rows} rows: its first dimension is not the batch`,
      );
      for (const p of batch) await this.runAlone(worker, p);
      return;
    }
    this.record(result, rows);
    let offset = 0;
    for (const p of batch) {
      const mine: Tensors = {};
      for (const [name, t] of Object.entries(result.outputs)) mine[name] = sliceRows(t, offset, offset + p.request.rows);
      offset += p.request.rows;
      this.settle(p, mine);
    }
  }

  /**
   * Requests of a group whose inputs are partly read and partly still JSON text cannot travel as texts:
   * their data is read here (a request whose data does not read gets its 400 and leaves the group).
   */
  private readMixed(group: Pending[]): Pending[] {
    const mixed = Object.keys(group[0]?.request.inputs ?? {}).some((name) => {
      const unread = group.filter((p) => isUnread(p.request.inputs[name]!)).length;
      return unread > 0 && unread < group.length;
    });
    if (!mixed) return group.filter((p) => !p.settled);
    return group.filter((p) => !p.settled && this.readHere(p));
  }

  /** Reads a request's JSON-text inputs on the event loop; false (and the request answered 400) when they do not read. */
  private readHere(p: Pending): boolean {
    try {
      decodeAll(p.request.inputs);
      return true;
    } catch (error) {
      if (error instanceof BadInput) this.settle(p, error);
      else this.fail(p, error as Error);
      return false;
    }
  }

  private async executeInline(inline: InlineSession, p: Pending): Promise<void> {
    this.executing++;
    const start = performance.now();
    this.series.queueDuration.observe((start - p.enqueuedAt) / 1000);
    const span = traceBatch([p], start, p.request.rows, 'event_loop');
    try {
      if (!this.readHere(p)) return;
      await this.runAlone((feeds) => inline.run(feeds).catch((error: Error) => Promise.reject(new RunError(error.message))), p);
    } finally {
      span?.end();
      this.executing--;
      this.checkIdle();
      this.pump();
    }
  }

  private async runAlone(runner: WorkerHandle | ((feeds: Tensors) => Promise<{ outputs: Tensors; computeMs: number }>), p: Pending): Promise<void> {
    if (p.settled) return;
    let result: { outputs: Tensors; computeMs: number };
    try {
      result = typeof runner === 'function' ? await runner(p.request.inputs) : await runner.run(p.request.inputs);
    } catch (error) {
      if (error instanceof TextRejectedError) this.settle(p, new BadInput(error.failures[0]!.message));
      else this.fail(p, error as Error);
      return;
    }
    const rows = p.request.rows;
    if (this.ctx.batchable()) {
      const unsplit = Object.entries(result.outputs).find(([, t]) => t.shape[0] !== rows);
      if (unsplit) {
        this.ctx.markUnbatchable(
          `output '${unsplit[0]}' had shape [${unsplit[1].shape.join(',')}] for a request of ${rows} rows: its first dimension is not the batch`,
        );
      }
    }
    this.record(result, this.ctx.batchable() ? rows : 1);
    this.settle(p, result.outputs);
  }

  private record(result: { outputs: Tensors; computeMs: number }, rows: number): void {
    const series = this.series;
    this.proven = true;
    series.execCount.inc();
    series.inferenceCount.inc(rows);
    series.batchSize.observe(rows);
    series.inferenceDuration(this.ctx.provider()).observe(result.computeMs / 1000);
    this.ctx.observe(result.outputs);
  }

  private fail(p: Pending, error: Error): void {
    const { metrics, log } = this.ctx;
    const where = `model '${this.ctx.name}' version ${this.ctx.version}`;
    if (error instanceof PoolStopping) {
      this.settle(p, new InferenceFailed(`${where}: the server stopped before this request ran`));
      return;
    }
    metrics.failures.inc({ ...this.labels, reason: 'runtime' });
    log.error({ model: this.ctx.name, version: this.ctx.version, error: redact(error.message) }, 'inference failed');
    if (error instanceof RunError && this.proven) {
      // The model runs on other inputs and this request passed validation: its values are the cause.
      this.settle(p, new BadInput(`${where} cannot run on this request's values: ${error.message}`));
    } else {
      this.settle(p, new InferenceFailed(`${where}: inference failed: ${error.message}`));
    }
  }
}

function isUnread(t: HostTensor): boolean {
  return t instanceof TextTensor && t.pending;
}

function sameTrailingShapes(a: Tensors, b: Tensors): boolean {
  for (const [name, t] of Object.entries(a)) {
    const u = b[name];
    if (!u || u.shape.length !== t.shape.length) return false;
    for (let i = 1; i < t.shape.length; i++) if (t.shape[i] !== u.shape[i]) return false;
  }
  return true;
}
