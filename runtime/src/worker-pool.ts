/**
 * The inference worker threads of one model version. A thread is never terminated from outside while it
 * may be inside onnxruntime: node-addon-api then throws into a dying isolate and the whole process aborts
 * (`terminate called after throwing an instance of 'Napi::Error'`). Stopping waits until the thread has
 * nothing outstanding and asks it to end itself.
 */
import { Worker } from 'node:worker_threads';
import type { HostTensor } from './tensor';
import { feedFor, isTextFeed, type Feed } from './text-tensor';
import type { LoadResult, RunResult, WorkerReply, WorkerRequest } from './worker-protocol';

export type Feeds = Readonly<Record<string, HostTensor>>;

/** A failure reported by onnxruntime inside a live worker (as opposed to the worker dying). */
export class RunError extends Error {}

/** Some requests' JSON data did not read as their inputs (on the thread): the execution did not run. */
export class TextRejectedError extends Error {
  constructor(readonly failures: readonly { readonly part: number; readonly message: string }[]) {
    super(failures.map((f) => f.message).join('; '));
  }
}

/** The pool is stopping: no new load or run is started. */
export class PoolStopping extends Error {}

export class WorkerHandle {
  /** The thread itself (tests stop it to simulate a crash). */
  readonly worker: Worker;
  busy = false;
  dead = false;
  private stopping = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>();
  private loading?: { resolve: (r: LoadResult) => void; reject: (e: Error) => void };
  private readonly exited: Promise<void>;
  private drained?: () => void;

  constructor(path: string, onUnexpectedExit: (handle: WorkerHandle, code: number) => void) {
    this.worker = new Worker(path);
    // The listeners keep the process alive; a worker alone must not (a failed start should still exit).
    this.worker.unref();
    this.worker.on('message', (msg: WorkerReply) => this.receive(msg));
    this.worker.on('error', (error) => this.failAll(error));
    this.exited = new Promise((resolve) => {
      this.worker.on('exit', (code) => {
        this.dead = true;
        this.failAll(new Error(`inference worker exited with code ${code}`));
        if (!this.stopping) onUnexpectedExit(this, code);
        resolve();
      });
    });
  }

  /** Whether a load or run was posted and has not answered: the thread may be inside native code. */
  get outstanding(): boolean {
    return this.loading !== undefined || this.pending.size > 0;
  }

  private receive(msg: WorkerReply): void {
    if (msg.type === 'loaded') {
      this.loading?.resolve(msg);
      this.loading = undefined;
    } else if (msg.type === 'result') {
      this.pending.get(msg.id)?.resolve(msg);
      this.pending.delete(msg.id);
    } else if (msg.type === 'text-rejected') {
      this.pending.get(msg.id)?.reject(new TextRejectedError(msg.failures));
      this.pending.delete(msg.id);
    } else if (msg.id === undefined) {
      this.loading?.reject(new Error(msg.message));
      this.loading = undefined;
    } else {
      this.pending.get(msg.id)?.reject(new RunError(msg.message));
      this.pending.delete(msg.id);
    }
    if (!this.outstanding) this.drained?.();
  }

  private failAll(error: Error): void {
    this.loading?.reject(error);
    this.loading = undefined;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.drained?.();
  }

  private post(msg: WorkerRequest, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(msg, transfer);
  }

  load(modelPath: string, providers: readonly string[], intraOpThreads: number): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      if (this.stopping || this.dead) return reject(new PoolStopping('the inference worker is stopping'));
      this.loading = { resolve, reject };
      this.post({ type: 'load', modelPath, providers, intraOpThreads });
    });
  }

  /**
   * Runs one request's inputs, or an execution's feeds (`transfer`: buffers made for this run alone, moved to
   * the thread instead of copied; unusable here afterwards). Inputs still in JSON text are read on the thread.
   */
  run(inputs: Feeds | Readonly<Record<string, Feed>>, transfer: ArrayBuffer[] = []): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      if (this.stopping) return reject(new PoolStopping('the inference worker is stopping'));
      if (this.dead) return reject(new Error('inference worker is not running'));
      const feeds: Record<string, Feed> = {};
      for (const [name, t] of Object.entries(inputs)) feeds[name] = isTextFeed(t) ? t : feedFor([t], (parts) => parts[0]!, transfer);
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.post({ type: 'run', id, feeds }, transfer);
    });
  }

  /** Refuses new work, waits for the native call under way to return, then lets the thread end itself. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.dead) return;
    // Keep the process alive until the thread has ended on its own.
    this.worker.ref();
    if (this.outstanding) await new Promise<void>((resolve) => (this.drained = resolve));
    if (!this.dead) this.post({ type: 'stop' });
    await this.exited;
  }
}

export class WorkerPool {
  private workers: WorkerHandle[] = [];
  private stopped = false;

  constructor(
    private readonly workerPath: string,
    private readonly onUnexpectedExit: (handle: WorkerHandle, code: number) => void,
  ) {}

  spawn(): WorkerHandle {
    const handle = new WorkerHandle(this.workerPath, (h, code) => {
      this.workers = this.workers.filter((w) => w !== h);
      if (!this.stopped) this.onUnexpectedExit(h, code);
    });
    this.workers.push(handle);
    return handle;
  }

  get all(): readonly WorkerHandle[] {
    return this.workers;
  }

  /** A worker free to take an execution now. */
  idle(): WorkerHandle | undefined {
    if (this.stopped) return undefined;
    return this.workers.find((w) => !w.busy && !w.dead);
  }

  /** Whether any thread may be inside onnxruntime right now (exiting the process then would abort it). */
  get inNativeCall(): boolean {
    return this.workers.some((w) => w.outstanding);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}
