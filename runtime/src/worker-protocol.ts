/** Messages between the server's event loop and an inference worker thread. */
import type { HostTensor } from './tensor';
import type { Feed } from './text-tensor';

export interface LoadRequest {
  readonly type: 'load';
  readonly modelPath: string;
  readonly providers: readonly string[];
  readonly intraOpThreads: number;
}

export interface ValueInfo {
  readonly name: string;
  /** onnxruntime-node type name (float32, int64, string, bfloat16, ...), or 'non-tensor'. */
  readonly type: string;
  /** -1 for a dynamic dimension. */
  readonly shape: readonly number[];
  readonly dimNames: readonly (string | null)[];
}

export interface LoadResult {
  readonly type: 'loaded';
  readonly provider: string;
  readonly attempts: readonly { readonly provider: string; readonly error: string }[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

export interface RunRequest {
  readonly type: 'run';
  readonly id: number;
  /** Values, or the JSON texts of FP32 inputs the thread reads itself (text-tensor.ts). */
  readonly feeds: Readonly<Record<string, Feed>>;
}

export interface RunResult {
  readonly type: 'result';
  readonly id: number;
  readonly outputs: Record<string, HostTensor>;
  readonly computeMs: number;
}

/** Texts of some parts did not read as their inputs: the execution did not run (text-tensor.ts readTextFeed). */
export interface TextRejected {
  readonly type: 'text-rejected';
  readonly id: number;
  readonly failures: readonly { readonly part: number; readonly message: string }[];
}

export interface WorkerFailure {
  readonly type: 'error';
  readonly id?: number;
  readonly message: string;
}

/** Release the session and end the thread; sent only when no load or run is outstanding. */
export interface StopRequest {
  readonly type: 'stop';
}

export type WorkerRequest = LoadRequest | RunRequest | StopRequest;
export type WorkerReply = LoadResult | RunResult | TextRejected | WorkerFailure;
