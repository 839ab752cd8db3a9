/**
 * The Open Inference Protocol's gRPC service (`inference.GRPCInferenceService`) on MODEL_SERVER_GRPC_PORT,
 * cleartext HTTP/2. It shares everything with the REST side through ServingCore: the same validation (a
 * ModelInferRequest becomes the equivalent OIP body with the binary extension), the same scheduler and
 * batching, metrics, API keys, rate limits and drain.
 */
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { presentedKey } from '../auth';
import { EXTENSIONS, FALLBACK_HEADER, newFeatures, SERVER_NAME, SERVER_VERSION, type RequestFeatures, type ServingCore } from '../core';
import { BadInput, retryAfterOf } from '../errors';
import { decodeOipRequest } from '../protocol';
import { bytesToText, toBinary } from '../tensor';
import protoText from './inference.proto';

const SERVICE = 'inference.GRPCInferenceService';

const definition = fromJSON(protobuf.parse(protoText, { keepCase: true }).root.toJSON(), {
  keepCase: true,
  longs: String,
  defaults: true,
  oneofs: true,
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const service = (grpc.loadPackageDefinition(definition) as any).inference.GRPCInferenceService.service as grpc.ServiceDefinition;

/** The .proto the service is built from, for clients that generate stubs or load it at run time. */
export const INFERENCE_PROTO = protoText;

interface InferParameter {
  bool_param?: boolean;
  int64_param?: string;
  string_param?: string;
  double_param?: number;
  uint64_param?: string;
  parameter_choice?: string;
}

interface Contents {
  bool_contents: boolean[];
  int_contents: number[];
  int64_contents: string[];
  uint_contents: number[];
  uint64_contents: string[];
  fp32_contents: number[];
  fp64_contents: number[];
  bytes_contents: Buffer[];
}

interface InferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, InferParameter>;
  inputs: { name: string; datatype: string; shape: string[]; parameters: Record<string, InferParameter>; contents: Contents | null }[];
  outputs: { name: string; parameters: Record<string, InferParameter> }[];
  raw_input_contents: Buffer[];
}

/** HTTP status of each coded error -> gRPC status, and back for the shared request metrics. */
const GRPC_STATUS: Readonly<Record<number, grpc.status>> = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED,
  404: grpc.status.NOT_FOUND,
  408: grpc.status.DEADLINE_EXCEEDED,
  413: grpc.status.RESOURCE_EXHAUSTED,
  429: grpc.status.RESOURCE_EXHAUSTED,
  500: grpc.status.INTERNAL,
  503: grpc.status.UNAVAILABLE,
  504: grpc.status.DEADLINE_EXCEEDED,
};

/** Typed contents -> the JSON values the OIP decoder validates (it checks ranges and types). */
function contentsValues(name: string, datatype: string, c: Contents): unknown[] {
  switch (datatype) {
    case 'BOOL':
      return c.bool_contents;
    case 'INT8':
    case 'INT16':
    case 'INT32':
      return c.int_contents;
    case 'INT64':
      return c.int64_contents;
    case 'UINT8':
    case 'UINT16':
    case 'UINT32':
      return c.uint_contents;
    case 'UINT64':
      return c.uint64_contents;
    case 'FP32':
      return c.fp32_contents;
    case 'FP64':
      return c.fp64_contents;
    case 'BYTES':
      return c.bytes_contents.map((b, i) => bytesToText(name, i, b));
    default:
      throw new BadInput(`input '${name}': ${datatype} has no typed contents field in the protocol; send it in raw_input_contents`);
  }
}

function shapeOf(name: string, shape: readonly string[]): number[] {
  return shape.map((d) => {
    const n = Number(d);
    if (!Number.isSafeInteger(n) || n < 0) throw new BadInput(`input '${name}': shape must be non-negative integers, got [${shape.join(',')}]`);
    return n;
  });
}

/** The request as the OIP body (+ binary part) the REST decoder understands, so both sides validate alike. */
function asOipBody(req: InferRequest): { body: Record<string, unknown>; binary: Buffer | null } {
  const raw = req.raw_input_contents;
  if (raw.length > 0 && raw.length !== req.inputs.length) {
    throw new BadInput(`raw_input_contents has ${raw.length} entries for ${req.inputs.length} inputs; give one per input, in input order, or none`);
  }
  const inputs = req.inputs.map((t, i) => {
    const base = { name: t.name, datatype: t.datatype, shape: shapeOf(t.name, t.shape) };
    if (raw.length > 0) {
      if (t.contents && Object.values(t.contents).some((v) => Array.isArray(v) && v.length > 0)) {
        throw new BadInput(`input '${t.name}' has both contents and raw_input_contents; use one`);
      }
      return { ...base, parameters: { binary_data_size: raw[i]!.length } };
    }
    if (!t.contents) throw new BadInput(`input '${t.name}' has no contents and the request has no raw_input_contents`);
    return { ...base, data: contentsValues(t.name, t.datatype, t.contents) };
  });
  const outputs = req.outputs.length > 0 ? req.outputs.map((o) => ({ name: o.name })) : undefined;
  const body: Record<string, unknown> = { inputs, ...(outputs ? { outputs } : {}), ...(req.id ? { id: req.id } : {}) };
  return { body, binary: raw.length > 0 ? Buffer.concat(raw) : null };
}

function keyFrom(metadata: grpc.Metadata): string | undefined {
  const first = (k: string): string | undefined => {
    const v = metadata.get(k)[0];
    return typeof v === 'string' ? v : undefined;
  };
  return presentedKey({ authorization: first('authorization'), 'x-api-key': first('x-api-key') });
}

function statusOf(error: unknown): number {
  const s = (error as { statusCode?: number }).statusCode;
  return typeof s === 'number' ? s : 500;
}

export interface GrpcHandle {
  readonly port: number;
  /** Stops accepting calls and resolves once every call under way has been answered. */
  close(): Promise<void>;
}

export async function startGrpc(core: ServingCore, port: number, host: string): Promise<GrpcHandle> {
  const { config, metrics, log } = core;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': config.maxRequestBodyBytes,
    // The body-size cap is checked before sending, with a reason; this only keeps grpc-js from refusing first.
    'grpc.max_send_message_length': config.maxResponseBytes + 64 * 1024,
  });

  /** One unary handler with the shared admission, metrics, log line and error mapping. */
  function unary<Req, Res>(method: string, open: boolean, handle: (req: Req, labels: { model: string; version: string }, features: RequestFeatures) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
    const route = `/${SERVICE}/${method}`;
    return (call, callback) => {
      const started = process.hrtime.bigint();
      const labels = { model: '', version: '' };
      const features = newFeatures();
      if (core.tracing && !open) {
        features.trace = core.tracing.startRequest(route, (k) => {
          const v = call.metadata.get(k)[0];
          return typeof v === 'string' ? v : undefined;
        }, { 'rpc.system': 'grpc', 'rpc.service': SERVICE, 'rpc.method': method });
      }
      const finish = (status: number, error?: unknown): void => {
        if (features.trace) {
          const md = new grpc.Metadata();
          for (const [k, v] of Object.entries(features.trace.outgoing())) md.set(k, v);
          call.sendMetadata(md);
          features.trace.end(status, { 'rpc.grpc.status_code': status === 200 ? 0 : GRPC_STATUS[status] ?? grpc.status.UNKNOWN });
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.requests.inc({ ...labels, route, code: String(status) });
        metrics.requestDuration.observe({ ...labels, route }, seconds);
        const entry = { ...labels, route, method: 'gRPC', statusCode: status, latencyMs: Math.round(seconds * 1e5) / 100 };
        if (error !== undefined) log.info({ code: (error as { code?: string }).code, statusCode: status }, 'request refused');
        if (open) log.debug(entry, 'request completed');
        else log.info(entry, 'request completed');
      };
      (async () => {
        if (!open) await core.admit(keyFrom(call.metadata), features);
        return handle(call.request, labels, features);
      })().then(
        (response) => {
          finish(200);
          if (features.fallback) {
            const trailer = new grpc.Metadata();
            trailer.set(FALLBACK_HEADER, 'true');
            callback(null, response, trailer);
            return;
          }
          callback(null, response);
        },
        (error: unknown) => {
          const status = statusOf(error);
          const coded = String((error as { code?: string }).code ?? '').startsWith('MS_');
          if (!coded) log.error({ err: error }, 'unhandled error');
          finish(status, error);
          const retry = retryAfterOf(error);
          const metadata = new grpc.Metadata();
          if (retry !== undefined) metadata.set('retry-after', String(retry));
          callback({ code: GRPC_STATUS[status] ?? grpc.status.UNKNOWN, details: coded ? (error as Error).message : 'internal server error', metadata });
        },
      );
    };
  }

  const resolve = (name: string, version: string, labels: { model: string; version: string }) => {
    const model = core.repository.resolve(name, version === '' ? undefined : version);
    labels.model = model.name;
    labels.version = model.version;
    return model;
  };

  server.addService(service, {
    ServerLive: unary('ServerLive', true, () => ({ live: true })),
    ServerReady: unary('ServerReady', true, () => ({ ready: core.notReadyReason() === undefined })),
    ModelReady: unary<{ name: string; version: string }, { ready: boolean }>('ModelReady', false, (req, labels) => ({
      ready: core.modelNotReadyReason(resolve(req.name, req.version, labels)) === undefined,
    })),
    ServerMetadata: unary('ServerMetadata', false, () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: EXTENSIONS })),
    ModelMetadata: unary<{ name: string; version: string }, unknown>('ModelMetadata', false, (req, labels) => {
      const model = resolve(req.name, req.version, labels);
      const meta = core.metadata(model) as { name: string; versions: string[]; platform: string; inputs: unknown[]; outputs: unknown[] };
      return { name: meta.name, versions: meta.versions, platform: meta.platform, inputs: meta.inputs, outputs: meta.outputs };
    }),
    ModelInfer: unary<InferRequest, unknown>('ModelInfer', false, async (req, labels, features) => {
      const model = resolve(req.model_name, req.model_version, labels);
      core.requireReady(model);
      const { body, binary } = asOipBody(req);
      const decoded = decodeOipRequest(body, binary, model, core.decodeOptions);
      const wanted = (decoded.outputs ?? model.outputs).map((o) => ({ name: o.name, binary: true }));
      core.checkResponseBound(model, decoded, wanted);
      const results = await core.infer(model, decoded, features);
      core.checkOutputsBound(model, results, wanted);
      const raw = wanted.map((o) => toBinary(results[o.name]!));
      core.checkBodySize(model, raw.reduce((n, b) => n + b.length, 0));
      return {
        model_name: model.name,
        model_version: model.version,
        id: req.id,
        outputs: wanted.map((o) => {
          const t = results[o.name]!;
          return { name: o.name, datatype: t.datatype, shape: t.shape.map(String) };
        }),
        raw_output_contents: raw,
      };
    }),
  });

  const bound = await new Promise<number>((ok, fail) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, p) => (error ? fail(error) : ok(p)));
  });
  let closed: Promise<void> | undefined;
  return {
    port: bound,
    close() {
      closed ??= new Promise<void>((ok) => server.tryShutdown(() => ok()));
      return closed;
    },
  };
}
