/**
 * Tracing against a real OTLP/HTTP receiver in the test. Wire formats: OTLP/HTTP JSON and protobuf
 * (opentelemetry.io/docs/specs/otlp "OTLP/HTTP", POST /v1/traces), W3C Trace Context `traceparent`
 * (w3.org/TR/trace-context section 3.2: version-traceid-parentid-flags), the SDK variables
 * (opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { sha256Hex } from '../src/auth';
import { resolveOptions } from '../src/config';
import { buildServer } from '../src/server';
import { discoverModels } from '../src/repository';
import { config, track } from './helpers';
import { mlp, repository } from './models';

interface Received {
  contentType: string;
  body: Buffer;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

let receiver: Server;
let received: Received[] = [];
let endpoint = '';
beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') received.push({ contentType: String(req.headers['content-type']), body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': String(req.headers['content-type']) });
      res.end(req.headers['content-type'] === 'application/json' ? '{}' : '');
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((ok) => receiver.close(ok));
});
beforeEach(() => {
  received = [];
});

const KEY = 'trace-key-0123456789';
const SECRET_VALUE = 0.987654321;
const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [SECRET_VALUE, 2, 3, 4] }] };
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

function server(env: Record<string, string>) {
  const cfg = config({ apiKeySha256: [sha256Hex(KEY)] });
  return track(buildServer({ config: cfg, models: discoverModels({ directory: repository({ 'mlp/1': mlp() }) }, cfg), logger: false, processMetrics: false, tracingEnv: env }));
}

function spansOf(all: Received[]): OtlpSpan[] {
  const out: OtlpSpan[] = [];
  for (const r of all) {
    const doc = JSON.parse(r.body.toString('utf8')) as { resourceSpans: { resource: unknown; scopeSpans: { spans: OtlpSpan[] }[] }[] };
    for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) out.push(...ss.spans);
  }
  return out;
}

const attr = (s: OtlpSpan, key: string): unknown => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : Object.values(v)[0];
};

test('REST and gRPC: the caller\'s traceparent is continued, spans are exported over OTLP/JSON, no payload in them', async () => {
  const app = server({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'fraud-server' });
  await app.modelsLoaded;
  const res = await app.inject({
    method: 'POST',
    url: '/v2/models/mlp/infer',
    headers: { 'x-api-key': KEY, traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
    payload,
  });
  expect(res.statusCode).toBe(200);
  const out = String(res.headers.traceparent);
  expect(out).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
  const serverSpanId = out.split('-')[2]!;
  expect(serverSpanId).not.toBe(PARENT_ID);

  const port = await app.listenGrpc(0, '127.0.0.1');
  const proto = readFileSync(join(__dirname, '..', 'src', 'grpc', 'inference.proto'), 'utf8');
  const definition = fromJSON(protobuf.parse(proto, { keepCase: true }).root.toJSON(), { keepCase: true, longs: String, defaults: true });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const Client = (grpc.loadPackageDefinition(definition) as any).inference.GRPCInferenceService as typeof grpc.Client;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as any;
  const GRPC_TRACE = 'aaaabbbbccccddddeeeeffff00001111';
  const headers = await new Promise<grpc.Metadata>((resolve, reject) => {
    const md = new grpc.Metadata();
    md.set('x-api-key', KEY);
    md.set('traceparent', `00-${GRPC_TRACE}-1111222233334444-01`);
    let initial = new grpc.Metadata();
    const c = client.ModelInfer(
      { model_name: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: ['1', '4'] }], raw_input_contents: [Buffer.from(Float32Array.from([SECRET_VALUE, 2, 3, 4]).buffer)] },
      md,
      (error: Error | null) => (error ? reject(error) : resolve(initial)),
    );
    c.on('metadata', (m: grpc.Metadata) => (initial = m));
  });
  expect(String(headers.get('traceparent')[0])).toMatch(new RegExp(`^00-${GRPC_TRACE}-[0-9a-f]{16}-01$`));
  client.close();
  await app.close(); // flushes the exporter

  expect(received.length).toBeGreaterThan(0);
  expect(received.every((r) => r.contentType === 'application/json')).toBe(true);
  const resource = JSON.stringify(JSON.parse(received[0]!.body.toString()).resourceSpans[0].resource);
  expect(resource).toContain('"fraud-server"');
  const spans = spansOf(received);
  const rest = spans.find((s) => s.traceId === TRACE_ID && s.kind === 2)!;
  expect(rest).toBeDefined();
  expect(rest.name).toBe('POST /v2/models/:model/infer');
  expect(rest.parentSpanId).toBe(PARENT_ID);
  expect(rest.spanId).toBe(serverSpanId);
  expect(attr(rest, 'model_server.model')).toBe('mlp');
  expect(attr(rest, 'model_server.model_version')).toBe('1');
  expect(Number(attr(rest, 'http.response.status_code'))).toBe(200);
  const children = spans.filter((s) => s.traceId === TRACE_ID && s.parentSpanId === rest.spanId).map((s) => s.name).sort();
  expect(children).toEqual(['authenticate', 'inference']);
  // Under the inference span: the wait in the queue and the run of the batch, linked to the request it served.
  const inference = spans.find((s) => s.traceId === TRACE_ID && s.name === 'inference')!;
  const underInference = spans.filter((s) => s.parentSpanId === inference.spanId);
  expect(underInference.map((s) => s.name).sort()).toEqual(['batch run', 'queue wait']);
  const batch = underInference.find((s) => s.name === 'batch run')! as OtlpSpan & { links: { traceId: string; spanId: string }[] };
  expect(batch.links).toEqual([expect.objectContaining({ traceId: TRACE_ID, spanId: inference.spanId })]);
  expect(attr(batch, 'model_server.batch.rows')).toBe(1);

  const rpc = spans.find((s) => s.traceId === GRPC_TRACE && s.kind === 2)!;
  expect(rpc.name).toBe('/inference.GRPCInferenceService/ModelInfer');
  expect(rpc.parentSpanId).toBe('1111222233334444');
  expect(attr(rpc, 'rpc.system')).toBe('grpc');
  expect(attr(rpc, 'model_server.model')).toBe('mlp');

  // No payload value, key or token in anything exported.
  const everything = received.map((r) => r.body.toString()).join('');
  expect(everything).not.toContain(String(SECRET_VALUE));
  expect(everything).not.toContain(KEY);
});

test('OTLP/protobuf is the default protocol; a sampler of always_off exports nothing', async () => {
  const app = server({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces` });
  await app.modelsLoaded;
  await app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { 'x-api-key': KEY, traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` }, payload });
  await app.close();
  expect(received.length).toBeGreaterThan(0);
  expect(received[0]!.contentType).toBe('application/x-protobuf');
  // The trace id travels as its 16 raw bytes in the protobuf body.
  expect(received[0]!.body.includes(Buffer.from(TRACE_ID, 'hex'))).toBe(true);

  received = [];
  const off = server({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'always_off' });
  await off.modelsLoaded;
  await off.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { 'x-api-key': KEY }, payload });
  await off.close();
  expect(received).toEqual([]);
});

test('no endpoint: tracing is off, no traceparent is answered', async () => {
  const app = server({});
  await app.modelsLoaded;
  const res = await app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { 'x-api-key': KEY, traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` }, payload });
  expect(res.statusCode).toBe(200);
  expect(res.headers.traceparent).toBeUndefined();
  expect(app.core.tracing).toBeUndefined();
  await app.close();
});

test('malformed tracing variables are refused at start, each named with what is allowed', () => {
  expect(() =>
    resolveOptions(['--model', '/m.onnx'], { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_TRACES_SAMPLER: 'sometimes', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
  ).toThrow(
    /OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" is not an http:\/\/ or https:\/\/ URL[\s\S]*OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not one of http\/protobuf, http\/json[\s\S]*OTEL_TRACES_SAMPLER="sometimes" is not one of always_on/,
  );
});
