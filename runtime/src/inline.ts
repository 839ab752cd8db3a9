/**
 * A second onnxruntime session on the event loop, for tiny models only: when a request finds nothing else
 * queued or running, the hop to the worker thread and back (two structured clones, two wake-ups) costs
 * more than the inference itself. Used only while idle, so under load every request still goes through the
 * workers and batches, and health checks never wait behind more than one sub-millisecond run.
 */
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { OIP_FROM_ORT, ORT_LOG_SEVERITY_FATAL, ORT_TYPE, type HostTensor, type TensorData } from './tensor';

export class InlineSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(modelPath: string, intraOpThreads: number): Promise<InlineSession> {
    const session = await ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      // Same as the workers: onnxruntime's own stderr logger quotes request values; FATAL only.
      logSeverityLevel: ORT_LOG_SEVERITY_FATAL,
      // A spinning pool would burn the event loop's core between requests.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      // A run this short gains nothing from a thread pool: waking a sleeping pool thread for each parallel
      // section costs more than the section (measured, 784-128-64-10 MLP on 2 cores: ~33-34 us of CPU per run
      // with one thread, ~48-55 us with onnxruntime's default of one per core). One thread unless
      // MODEL_SERVER_INTRA_OP_THREADS says otherwise.
      intraOpNumThreads: intraOpThreads > 0 ? intraOpThreads : 1,
    });
    return new InlineSession(session);
  }

  async run(feeds: Readonly<Record<string, HostTensor>>): Promise<{ outputs: Record<string, HostTensor>; computeMs: number }> {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor(ORT_TYPE[t.datatype] as 'float32', t.data as Float32Array, t.shape as number[]);
    const start = performance.now();
    const results = await this.session.run(inputs, { logSeverityLevel: ORT_LOG_SEVERITY_FATAL });
    const computeMs = performance.now() - start;
    const outputs: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(results)) outputs[name] = { datatype: OIP_FROM_ORT[t.type] ?? t.type, shape: [...t.dims], data: t.data as TensorData };
    return { outputs, computeMs };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
