/**
 * The Open Inference Protocol's gRPC service (`inference.GRPCInferenceService`) on MODEL_SERVER_GRPC_PORT,
 * cleartext HTTP/2. It shares everything with the REST side through ServingCore: the same validation (a
 * ModelInferRequest becomes the equivalent OIP body with the binary extension), the same scheduler and
 * batching, metrics, API keys, rate limits and drain.
 */
import type { EventEmitter } from 'node:events';
import { constants as http2, type ServerHttp2Session, type ServerHttp2Stream, type Settings as Http2Settings } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { presentedKey } from '../auth';
import { EXTENSIONS, FALLBACK_HEADER, newFeatures, SERVER_NAME, SERVER_VERSION, type Admission, type RequestFeatures, type ServingCore } from '../core';
import { SERVER_ENV } from '../../../lib/contract';
import { BadInput, retryAfterOf } from '../errors';
import { decodeOipRequest } from '../protocol';
import { bytesToText, toBinary } from '../tensor';
import protoText from './inference.proto';

const SERVICE = 'inference.GRPCInferenceService';
/** RPCs served without an API key, as the REST health routes. */
const OPEN_METHODS: ReadonlySet<string> = new Set([`/${SERVICE}/ServerLive`, `/${SERVICE}/ServerReady`]);

const definition = fromJSON(protobuf.parse(protoText, { keepCase: true }).root.toJSON(), {
  keepCase: true,
  longs: String,
  defaults: true,
  oneofs: true,
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loaded = (grpc.loadPackageDefinition(definition) as any).inference.GRPCInferenceService.service as grpc.ServiceDefinition;

/** Marks a request message that did not decode: the handler answers INVALID_ARGUMENT (grpc-js alone says INTERNAL). */
const kInvalid = Symbol('invalidMessage');

/** The service with each request decoder made total: bytes that are not the request type become a marker. */
const service: grpc.ServiceDefinition = Object.fromEntries(
  Object.entries(loaded).map(([name, method]) => [
    name,
    {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          return { [kInvalid]: (error as Error).message };
        }
      },
    },
  ]),
);

/** Longest error message sent in grpc-message (and logged): a client-sent value cannot make it grow. */
export const MAX_ERROR_DETAILS_CHARS = 1024;

/** Largest request metadata accepted (names and values, bytes), gRPC C-core's default hard limit. */
export const MAX_METADATA_BYTES = 16 * 1024;

/** The longest model name and version the contract allows (MODEL_SERVER_MODEL_NAME / _VERSION patterns). */
const MAX_NAME_CHARS = 128;
const MAX_VERSION_CHARS = 64;

export function boundDetails(details: string): string {
  return details.length <= MAX_ERROR_DETAILS_CHARS ? details : `${details.slice(0, MAX_ERROR_DETAILS_CHARS - 1)}…`;
}

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
  // One raw tensor (the usual case) is used as it is: fromBinaryTensor copies it once into a buffer of its own.
  return { body, binary: raw.length === 0 ? null : raw.length === 1 ? raw[0]! : Buffer.concat(raw) };
}

function keyFrom(metadata: grpc.Metadata): string | undefined {
  const first = (k: string): string | undefined => {
    const v = metadata.get(k)[0];
    return typeof v === 'string' ? v : undefined;
  };
  return presentedKey({ authorization: first('authorization'), 'x-api-key': first('x-api-key') });
}

/** The client's address, without the port, from grpc-js's peer string (`1.2.3.4:5678`, `[::1]:5678`). */
function clientOf(peer: string): string {
  const m = /^\[?([^\]]*?)\]?:\d+$/.exec(peer);
  return m ? m[1]! : peer;
}

/** The HTTP/2 stream under grpc-js's base call (grpc-js 1.14 keeps it as `stream`), to reset it after a refusal. */
function streamOf(call: grpc.ServerInterceptingCallInterface): ServerHttp2Stream | undefined {
  const stream = (call as unknown as { stream?: ServerHttp2Stream }).stream;
  return stream && typeof stream.close === 'function' ? stream : undefined;
}

function metadataBytes(metadata: grpc.Metadata): number {
  let n = 0;
  for (const [k, values] of Object.entries(metadata.getMap())) n += k.length + (Buffer.isBuffer(values) ? values.length : Buffer.byteLength(String(values)));
  for (const k of Object.keys(metadata.getMap())) {
    const all = metadata.get(k);
    if (all.length > 1) for (const v of all.slice(1)) n += k.length + (Buffer.isBuffer(v) ? v.length : Buffer.byteLength(v));
  }
  return n;
}

/** What transportGuard found the call's credentials stand for, by its metadata (the handler sees the same object). */
const admissions = new WeakMap<grpc.Metadata, Admission>();

/**
 * Calls of one connection whose JWT is being verified at once. Their streams are paused (grpc-js resumes a
 * call's stream only once its metadata passes), so each may hold up to a stream window of unread message:
 * beyond this many, a call is refused with RESOURCE_EXHAUSTED before its message is read. With the stream
 * window below, one connection holds at most about 4.3 MiB this way (Node's default windows with 100 streams:
 * 6.4 MiB).
 */
export const MAX_VERIFYING_PER_CONNECTION = 4;
const verifying = new WeakMap<object, number>();

/**
 * Connection-level rules for every call, applied before grpc-js reads the request message:
 * - request metadata over MAX_METADATA_BYTES: RESOURCE_EXHAUSTED;
 * - the credentials (API key, or a JWT, verified asynchronously while grpc-js holds the call) and the
 *   failed-attempt limit from the metadata: UNAUTHENTICATED or RESOURCE_EXHAUSTED before a byte of the
 *   message is read (the rate limits and the token's models apply in the handler, with the request's trace);
 *   at most MAX_VERIFYING_PER_CONNECTION calls of a connection wait for their JWT at once (RESOURCE_EXHAUSTED);
 * - a message whose length prefix is over MODEL_SERVER_MAX_REQUEST_BODY_BYTES: RESOURCE_EXHAUSTED at once;
 * - the whole message (half-close included) due within MODEL_SERVER_BODY_TIMEOUT_MS of the headers:
 *   DEADLINE_EXCEEDED;
 * - a response the client does not read within MODEL_SERVER_WRITE_TIMEOUT_MS: the stream is reset and the
 *   response dropped.
 * After a refusal the stream is reset with NO_ERROR (RFC 9113 section 8.1: the answer is complete, stop
 * sending), so a client that keeps sending holds nothing. Every refusal is counted and logged.
 */
function transportGuard(core: ServingCore): grpc.ServerInterceptor {
  const { config, metrics, log } = core;
  return (method, call) => {
    const route = method.path;
    const open = OPEN_METHODS.has(route);
    const stream = streamOf(call);
    let readTimer: NodeJS.Timeout | undefined;
    let writeTimer: NodeJS.Timeout | undefined;
    let statusSent = false;
    let halfClosed = false;
    const clear = (): void => {
      clearTimeout(readTimer);
      clearTimeout(writeTimer);
    };
    stream?.once('close', clear);
    const reset = (code: number): void => {
      if (stream && !stream.destroyed && !stream.closed) stream.close(code);
    };
    const refuse = (httpStatus: number, reason: string | undefined, details: string, retryAfter?: number): void => {
      if (statusSent) return;
      if (reason) metrics.transportRefusals.inc({ reason });
      metrics.requests.inc({ model: '', version: '', route, code: String(httpStatus) });
      log.info({ route, method: 'gRPC', statusCode: httpStatus, reason }, 'request refused');
      const trailer = new grpc.Metadata();
      if (retryAfter !== undefined) trailer.set('retry-after', String(retryAfter));
      guarded.sendStatus({ code: GRPC_STATUS[httpStatus] ?? grpc.status.UNKNOWN, details, metadata: trailer });
    };
    // Reads the 5-byte length prefix of the message as it arrives, ahead of grpc-js's decoder.
    let prefix = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      if (prefix.length >= 5) return;
      prefix = Buffer.concat([prefix, chunk.subarray(0, 5 - prefix.length)]);
      if (prefix.length < 5) return;
      stream?.removeListener('data', onData);
      const length = prefix.readUInt32BE(1);
      if (length > config.maxRequestBodyBytes) {
        refuse(413, 'body_too_large', `the request message is ${length} bytes, above the ${config.maxRequestBodyBytes}-byte limit (${SERVER_ENV.maxRequestBodyBytes.name})`);
      }
    };
    stream?.prependListener('data', onData);
    const guarded: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, pass) {
            readTimer = setTimeout(() => {
              refuse(408, 'read_timeout', `the request message was not received within ${config.bodyTimeoutMs} ms of its headers (${SERVER_ENV.bodyTimeoutMs.name})`);
            }, config.bodyTimeoutMs);
            const size = metadataBytes(metadata);
            if (size > MAX_METADATA_BYTES) {
              refuse(413, 'metadata_too_large', `the request metadata is ${size} bytes, above the ${MAX_METADATA_BYTES}-byte limit`);
              return;
            }
            if (!open) {
              const refused = (error: unknown): void => refuse(statusOf(error), undefined, boundDetails((error as Error).message), retryAfterOf(error));
              let admission: Promise<Admission> | Admission;
              try {
                admission = core.authenticate(keyFrom(metadata), clientOf(call.getPeer()));
              } catch (error) {
                refused(error);
                return;
              }
              if (admission instanceof Promise) {
                // A JWT: the message stays unread until the token is verified (grpc-js holds the call meanwhile).
                const connection = stream?.session ?? call;
                const waiting = verifying.get(connection) ?? 0;
                if (waiting >= MAX_VERIFYING_PER_CONNECTION) {
                  admission.catch(() => undefined);
                  refuse(429, 'verifying_limit', `${waiting} calls on this connection are already waiting for their token to be verified (at most ${MAX_VERIFYING_PER_CONNECTION}); retry when they are answered`, 1);
                  return;
                }
                verifying.set(connection, waiting + 1);
                const done = (): void => {
                  verifying.set(connection, (verifying.get(connection) ?? 1) - 1);
                };
                admission.then(
                  (a) => {
                    done();
                    if (statusSent) return;
                    admissions.set(metadata, a);
                    pass(metadata);
                  },
                  (error: unknown) => {
                    done();
                    refused(error);
                  },
                );
                return;
              }
              admissions.set(metadata, admission);
            }
            pass(metadata);
          },
          onReceiveHalfClose(pass) {
            halfClosed = true;
            clearTimeout(readTimer);
            pass();
          },
          onCancel() {
            clear();
          },
        });
      },
      sendMessage(message, pass) {
        writeTimer ??= setTimeout(() => {
          metrics.transportRefusals.inc({ reason: 'write_timeout' });
          log.info({ route, method: 'gRPC', reason: 'write_timeout' }, `the client did not read its response within ${config.writeTimeoutMs} ms (${SERVER_ENV.writeTimeoutMs.name}); stream reset`);
          reset(http2.NGHTTP2_CANCEL);
        }, config.writeTimeoutMs);
        pass(message);
      },
      sendStatus(status, pass) {
        statusSent = true;
        clearTimeout(readTimer);
        if (status.code !== grpc.status.OK) writeTimer ??= setTimeout(() => reset(http2.NGHTTP2_CANCEL), config.writeTimeoutMs);
        pass({ ...status, details: boundDetails(status.details ?? '') });
        // The request is still arriving: the answer is complete, so tell the client to stop (no error).
        if (!halfClosed) setImmediate(() => reset(http2.NGHTTP2_NO_ERROR));
      },
    });
    return guarded;
  };
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

/** The HTTP/2 connection window for gRPC: room for the largest message and its framing, at most 2^31-1. */
export function grpcWindowBytes(maxMessageBytes: number): number {
  return Math.min(2 ** 31 - 1, Math.max(65535, maxMessageBytes + 64 * 1024));
}

/** The HTTP/2 stream window for gRPC: the connection window, at most 1 MiB + 64 KiB. */
export function grpcStreamWindowBytes(maxMessageBytes: number): number {
  return Math.min(grpcWindowBytes(maxMessageBytes), 1024 * 1024 + 64 * 1024);
}

export async function startGrpc(core: ServingCore, port: number, host: string): Promise<GrpcHandle> {
  const { config, metrics, log } = core;
  const server = new grpc.Server({
    // transportGuard refuses a larger message from its length prefix first, with the variable's name; this
    // stays as grpc-js's own backstop.
    'grpc.max_receive_message_length': config.maxRequestBodyBytes,
    // The body-size cap is checked before sending, with a reason; this only keeps grpc-js from refusing first.
    'grpc.max_send_message_length': config.maxResponseBytes + 64 * 1024,
    'grpc.max_concurrent_streams': config.grpcMaxConcurrentStreams,
    // A connection with no call for this long is closed with GOAWAY (clients reconnect on their next call).
    'grpc.max_connection_idle_ms': config.headerTimeoutMs + config.bodyTimeoutMs,
    interceptors: [transportGuard(core)],
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
        if (error !== undefined) log.info({ route, code: (error as { code?: string }).code, statusCode: status }, 'request refused');
        if (open) log.debug(entry, 'request completed');
        else log.info(entry, 'request completed');
      };
      (async () => {
        // The credentials (API key or JWT) were checked from the metadata before the message was read
        // (transportGuard); the rate limits and the token's models apply here, with the request's trace.
        const invalid = (call.request as { [kInvalid]?: string } | null)?.[kInvalid];
        if (invalid !== undefined) {
          metrics.transportRefusals.inc({ reason: 'invalid_message' });
          throw new BadInput(`the request message is not a valid ${method}Request (protobuf): ${invalid}`);
        }
        if (!open) {
          const admission = admissions.get(call.metadata);
          // Always found (the guard runs for every call); checking again keeps a call without it from passing.
          if (admission === undefined) await core.admit(keyFrom(call.metadata), clientOf(call.getPeer()), features);
          else core.admitted(admission, features);
        }
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
          callback({ code: GRPC_STATUS[status] ?? grpc.status.UNKNOWN, details: boundDetails(coded ? (error as Error).message : 'internal server error'), metadata });
        },
      );
    };
  }

  const resolve = (name: string, version: string, labels: { model: string; version: string }) => {
    if (name.length > MAX_NAME_CHARS || version.length > MAX_VERSION_CHARS) {
      throw new BadInput(`the model name (${name.length} characters) or version (${version.length}) is longer than the ${MAX_NAME_CHARS} and ${MAX_VERSION_CHARS} characters a name and version can take`);
    }
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

  // HTTP/2 flow control: Node's default windows (65,535 bytes per stream and per connection) make a client
  // stop every 64 KiB of a large message and wait for the server's WINDOW_UPDATE (1 MiB raw tensors, 4
  // connections, h2load, 2-core build host: 418-433 req/s with the default stream window, 506-519 with 256 KiB,
  // 550-570 with 1 MiB, 582-604 with 6 MiB; the connection window large in each). The connection window is
  // the largest message plus 64 KiB: Node hands it back as data arrives, so it costs no memory. The stream
  // window is at most 1 MiB + 64 KiB: a stream paused while its JWT is verified can hold that much
  // unread (MAX_VERIFYING_PER_CONNECTION bounds how many). grpc-js has no server option for windows: its own
  // settings object (given to http2.createServer at bind) and its http2 servers are reached here, failing
  // safe (defaults) if they change; test/grpc-transport.test.ts checks that the client is told both windows.
  const window = grpcWindowBytes(config.maxRequestBodyBytes);
  const internals = server as unknown as {
    commonServerOptions?: { settings?: Http2Settings };
    http2Servers?: Map<EventEmitter, { sessions?: Set<ServerHttp2Session> }>;
  };
  if (internals.commonServerOptions) {
    internals.commonServerOptions.settings = { ...internals.commonServerOptions.settings, initialWindowSize: grpcStreamWindowBytes(config.maxRequestBodyBytes) };
  }
  const bound = await new Promise<number>((ok, fail) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, p) => (error ? fail(error) : ok(p)));
  });
  const widen = (session: ServerHttp2Session): void => {
    if (session.destroyed) return;
    try {
      session.setLocalWindowSize(window);
    } catch {
      // A session closing meanwhile keeps the default window.
    }
  };
  for (const [http2Server, info] of internals.http2Servers ?? []) {
    http2Server.on('session', widen);
    // Sessions accepted before this listener (one bind address after another) get it too.
    for (const session of info?.sessions ?? []) widen(session);
  }
  let closed: Promise<void> | undefined;
  return {
    port: bound,
    close() {
      closed ??= new Promise<void>((ok) => server.tryShutdown(() => ok()));
      return closed;
    },
  };
}
