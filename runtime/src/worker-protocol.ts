/** Messages between the server's event loop and an inference worker thread. */
import type { HostTensor } from './tensor';

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
  readonly feeds: Readonly<Record<string, HostTensor>>;
}

export interface RunResult {
  readonly type: 'result';
  readonly id: number;
  readonly outputs: Record<string, HostTensor>;
  readonly computeMs: number;
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
export type WorkerReply = LoadResult | RunResult | WorkerFailure;
