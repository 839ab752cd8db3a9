/**
 * Inference worker thread: owns one onnxruntime session, so session creation and `run` (synchronous native
 * code) never block the event loop that answers health checks.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import type { LoadRequest, RunRequest, ValueInfo, WorkerReply, WorkerRequest } from './worker-protocol';
import { OIP_FROM_ORT, ORT_LOG_SEVERITY_FATAL, ORT_TYPE, type HostTensor, type TensorData } from './tensor';
import { isTextFeed, readTextFeed } from './text-tensor';

let session: ort.InferenceSession | undefined;

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): ValueInfo[] {
  return meta.map((m) => {
    if (!m.isTensor) return { name: m.name, type: 'non-tensor', shape: [], dimNames: [] };
    return {
      name: m.name,
      type: String(m.type),
      shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
      dimNames: m.shape.map((d) => (typeof d === 'string' && d !== '' ? d : null)),
    };
  });
}

async function load(msg: LoadRequest): Promise<WorkerReply> {
  const attempts: { provider: string; error: string }[] = [];
  for (const provider of msg.providers) {
    try {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        // onnxruntime's own logger writes to stderr outside ours, and its run-time errors quote request values
        // ("idx=<value> must be within ..."): FATAL only. The error itself still reaches the caller as a 400.
        logSeverityLevel: ORT_LOG_SEVERITY_FATAL,
        // onnxruntime's thread pools spin between runs by default. Measured on 2 cores: spinning burns more
        // than one core while idle, starving the event loop that parses requests and answers health checks.
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
        ...(msg.intraOpThreads > 0 ? { intraOpNumThreads: msg.intraOpThreads } : {}),
      };
      session = await ort.InferenceSession.create(msg.modelPath, options);
      return {
        type: 'loaded',
        provider,
        attempts,
        inputs: describe(session.inputMetadata),
        outputs: describe(session.outputMetadata),
      };
    } catch (error) {
      if (/Unsupported data type: 16\b/.test(String(error))) {
        // onnxruntime-node reads the graph's inputs and outputs at creation and has no bfloat16 tensor.
        return {
          type: 'error',
          message: 'the model has a BF16 (bfloat16) input or output, which onnxruntime-node cannot feed or fetch; export the model with FP32 or FP16 inputs and outputs',
        };
      }
      attempts.push({ provider, error: error instanceof Error ? error.message : String(error) });
    }
  }
  const detail = attempts.map((a) => `${a.provider}: ${a.error}`).join('; ');
  return { type: 'error', message: `no execution provider could load ${msg.modelPath} (${detail})` };
}

async function run(msg: RunRequest): Promise<{ reply: WorkerReply; transfer: ArrayBuffer[] }> {
  if (!session) return { reply: { type: 'error', id: msg.id, message: 'model not loaded' }, transfer: [] };
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(msg.feeds)) {
    let data = (t as HostTensor).data;
    if (isTextFeed(t)) {
      const read = readTextFeed(t);
      if ('failures' in read) return { reply: { type: 'text-rejected', id: msg.id, failures: read.failures }, transfer: [] };
      data = read.data;
    }
    feeds[name] = new ort.Tensor(ORT_TYPE[t.datatype] as 'float32', data as Float32Array, t.shape as number[]);
  }
  const start = performance.now();
  const results = await session.run(feeds, { logSeverityLevel: ORT_LOG_SEVERITY_FATAL });
  const computeMs = performance.now() - start;
  const outputs: Record<string, HostTensor> = {};
  const transfer = new Set<ArrayBuffer>();
  for (const [name, t] of Object.entries(results)) {
    let data = t.data as TensorData;
    if (!Array.isArray(data)) {
      const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
      if (!whole || transfer.has(data.buffer as ArrayBuffer)) data = data.slice() as TensorData;
      transfer.add((data as Uint8Array).buffer as ArrayBuffer);
    }
    outputs[name] = { datatype: OIP_FROM_ORT[t.type] ?? t.type, shape: [...t.dims], data };
  }
  return { reply: { type: 'result', id: msg.id, outputs, computeMs }, transfer: [...transfer] };
}

parentPort!.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'stop') {
    // Ending the thread from inside, between native calls: terminating it from outside while onnxruntime
    // runs makes node-addon-api throw into a dying isolate, and the process aborts (Napi::Error).
    const end = (): void => process.exit(0);
    if (session) void session.release().then(end, end);
    else end();
    return;
  }
  if (msg.type === 'load') {
    void load(msg).then((reply) => parentPort!.postMessage(reply));
    return;
  }
  run(msg).then(
    ({ reply, transfer }) => parentPort!.postMessage(reply, transfer),
    (error: unknown) =>
      parentPort!.postMessage({ type: 'error', id: msg.id, message: error instanceof Error ? error.message : String(error) }),
  );
});
