/**
 * The ModelGateway relay against a fake Vertex AI shaped after Google's published rawPredict contract:
 * - request: `POST https://{LOCATION}-aiplatform.googleapis.com/v1/projects/{PROJECT}/locations/{LOCATION}/endpoints/{ENDPOINT}:rawPredict`
 *   with `Authorization: Bearer <access token>` and the payload's own Content-Type (Vertex AI REST reference,
 *   projects.locations.endpoints.rawPredict, and "Get online inferences from a custom trained model", rawPredict
 *   curl example);
 * - response: the container's answer, with headers `X-Vertex-AI-Endpoint-Id` and `X-Vertex-AI-Deployed-Model-Id`
 *   (same reference); refusals in Google's error model `{"error": {"code", "message", "status"}}` (AIP-193);
 * - the access token from the metadata server: GET .../computeMetadata/v1/instance/service-accounts/default/token
 *   with `Metadata-Flavor: Google`, answering `{"access_token", "expires_in", "token_type": "Bearer"}` (Cloud Run,
 *   "Fetching an access token from the metadata server").
 * The OIP bodies are the bundled server's (runtime/README.md, `/v2/models/<model>/infer`).
 */
import { RelayConfig, RelayFetch, metadataToken, rawPredictUrl, readRelayConfig, relay } from '../../constructs/gcp/gateway-relay/relay';

const FRAUD = 'projects/acme-ml/locations/europe-west4/endpoints/4827163540';
const CNN = 'projects/acme-ml/locations/us-central1/endpoints/1000000001';
const CONFIG: RelayConfig = {
  routes: [{ path: '/api/v1/fraud', model: 'fraud', endpoint: FRAUD }, { path: '/api/v1/cnn', model: 'cnn', endpoint: CNN }],
  maxBodyBytes: 1000,
  accessLog: true,
};
const OIP_REQUEST = JSON.stringify({ id: 'r1', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [0.5, -1, 2, 0.25] }] });
const OIP_ANSWER = JSON.stringify({ id: 'r1', model_name: 'fraud', model_version: '3', outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [1, 2], data: [0.9, 0.1] }] });
const TOKEN = 'ya29.relay-access-token';

interface Seen { url: string; method: string; headers: Record<string, string>; body?: Buffer }

/** A fake Vertex AI: records calls, answers as the reference says; `answer` overrides per test. */
function fakeVertex(answer?: (seen: Seen) => { status: number; headers?: Record<string, string>; body: string }) {
  const seen: Seen[] = [];
  const fetch: RelayFetch = async (url, init) => {
    const call = { url, method: init.method, headers: init.headers, body: init.body };
    seen.push(call);
    const m = /^https:\/\/([a-z]+-[a-z]+[0-9])-aiplatform\.googleapis\.com\/v1\/(projects\/[^/]+\/locations\/([a-z]+-[a-z]+[0-9])\/endpoints\/(\d+)):rawPredict$/.exec(url);
    let res: { status: number; headers?: Record<string, string>; body: string };
    if (!m || m[1] !== m[3] || init.method !== 'POST') res = { status: 404, body: JSON.stringify({ error: { code: 404, message: 'not found', status: 'NOT_FOUND' } }) };
    else if (init.headers.authorization !== `Bearer ${TOKEN}`) res = { status: 401, body: JSON.stringify({ error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } }) };
    else res = answer?.(call) ?? { status: 200, headers: { 'content-type': 'application/json', 'x-vertex-ai-endpoint-id': m[4], 'x-vertex-ai-deployed-model-id': '7163540' }, body: OIP_ANSWER };
    const headers = new Map(Object.entries(res.headers ?? { 'content-type': 'application/json' }).map(([k, v]) => [k.toLowerCase(), v]));
    return { status: res.status, headers: { get: (n: string) => headers.get(n.toLowerCase()) ?? null }, arrayBuffer: async () => new Uint8Array(Buffer.from(res.body)).buffer };
  };
  return { fetch, seen };
}

function deps(fetch: RelayFetch) {
  const lines: string[] = [];
  return { lines, deps: { fetch, token: async () => TOKEN, log: (l: string) => lines.push(l), now: () => 1000 } };
}

const post = (path: string, body = OIP_REQUEST, extra: { contentType?: string } = {}) =>
  ({ method: 'POST', path, contentType: extra.contentType ?? 'application/json', body: Buffer.from(body) });

describe('gateway relay', () => {
  test('POST <route>/infer goes to that endpoint\'s rawPredict at its regional host, body unchanged, with the relay\'s own token', async () => {
    const v = fakeVertex();
    const { deps: d } = deps(v.fetch);
    const res = await relay(post('/api/v1/fraud/infer'), CONFIG, d);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual(JSON.parse(OIP_ANSWER));
    expect(res.headers['content-type']).toBe('application/json');
    expect(v.seen).toHaveLength(1);
    expect(v.seen[0].url).toBe(`https://europe-west4-aiplatform.googleapis.com/v1/${FRAUD}:rawPredict`);
    expect(v.seen[0].body!.toString()).toBe(OIP_REQUEST);
    // Only our token and the content type travel: never a caller's header.
    expect(v.seen[0].headers).toEqual({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
    await relay(post('/api/v1/cnn/infer'), CONFIG, d);
    expect(v.seen[1].url).toBe(`https://us-central1-aiplatform.googleapis.com/v1/${CNN}:rawPredict`);
  });

  test('the OIP binary extension passes both ways', async () => {
    const v = fakeVertex(() => ({ status: 200, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '42' }, body: 'x' }));
    const { deps: d } = deps(v.fetch);
    const res = await relay({ ...post('/api/v1/fraud/infer', 'bin', { contentType: 'application/octet-stream' }), inferenceHeaderContentLength: '3' }, CONFIG, d);
    expect(v.seen[0].headers['inference-header-content-length']).toBe('3');
    expect(v.seen[0].headers['content-type']).toBe('application/octet-stream');
    expect(res.headers).toEqual({ 'content-type': 'application/octet-stream', 'inference-header-content-length': '42' });
  });

  test('unknown paths are 404 and other methods 405, without calling Vertex AI', async () => {
    const v = fakeVertex();
    const { deps: d } = deps(v.fetch);
    const notFound = await relay(post('/api/v1/fraud'), CONFIG, d);
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.body.toString()).error).toBe('no model at /api/v1/fraud; routes: POST /api/v1/fraud/infer, POST /api/v1/cnn/infer');
    expect((await relay(post('/api/v1/fraudx/infer'), CONFIG, d)).status).toBe(404);
    const get = await relay({ ...post('/api/v1/fraud/infer'), method: 'GET' }, CONFIG, d);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(v.seen).toHaveLength(0);
  });

  test('a body above the limit is 413 before any call', async () => {
    const v = fakeVertex();
    const { deps: d } = deps(v.fetch);
    const res = await relay(post('/api/v1/fraud/infer', 'x'.repeat(1001)), CONFIG, d);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString()).error).toBe('request body of 1001 bytes is above the gateway\'s limit of 1000 bytes');
    expect(v.seen).toHaveLength(0);
    expect((await relay(post('/api/v1/fraud/infer', 'x'.repeat(1000)), CONFIG, d)).status).toBe(200);
  });

  test('the model\'s own refusals pass through with their body; Vertex AI refusing the relay is a 502 that tells the caller nothing internal', async () => {
    const modelError = JSON.stringify({ error: "input 'input': data[1] has 3 entries; shape [2,4] needs 4 at depth 1" });
    for (const status of [400, 429, 503]) {
      const { deps: d } = deps(fakeVertex(() => ({ status, body: modelError })).fetch);
      const res = await relay(post('/api/v1/fraud/infer'), CONFIG, d);
      expect(res.status).toBe(status);
      expect(res.body.toString()).toBe(modelError);
    }
    const denied = JSON.stringify({ error: { code: 403, message: `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/${FRAUD}'`, status: 'PERMISSION_DENIED' } });
    const { deps: d, lines } = deps(fakeVertex(() => ({ status: 403, body: denied })).fetch);
    const res = await relay(post('/api/v1/fraud/infer'), CONFIG, d);
    expect(res.status).toBe(502);
    expect(res.body.toString()).toBe(JSON.stringify({ error: 'model fraud is not available through this gateway' }));
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ event: 'upstream-refused', status: 403, hint: 'the relay\'s service account lacks aiplatform.endpoints.predict' }));
    // A token Vertex AI rejects (401) is the relay's problem too, not the caller's.
    const bad = deps(fakeVertex().fetch);
    const unauth = await relay(post('/api/v1/fraud/infer'), CONFIG, { ...bad.deps, token: async () => 'expired' });
    expect(unauth.status).toBe(502);
    const { deps: d5 } = deps(fakeVertex(() => ({ status: 500, body: 'internal' })).fetch);
    expect((await relay(post('/api/v1/fraud/infer'), CONFIG, d5)).status).toBe(502);
  });

  test('a network failure is 502', async () => {
    const { deps: d, lines } = deps(async () => { throw new Error('ECONNRESET'); });
    const res = await relay(post('/api/v1/fraud/infer'), CONFIG, d);
    expect(res.status).toBe(502);
    expect(lines[0]).toMatch(/"event":"upstream-error"/);
  });

  test('one access log line per request: route, status, latency and sizes; never the body, the token or a header', async () => {
    const v = fakeVertex();
    const { deps: d, lines } = deps(v.fetch);
    await relay(post('/api/v1/fraud/infer'), CONFIG, d);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      event: 'access', method: 'POST', path: '/api/v1/fraud/infer', model: 'fraud', status: 200, upstreamStatus: 200,
      deployedModelId: '7163540', latencyMs: 0, requestBytes: Buffer.byteLength(OIP_REQUEST), responseBytes: Buffer.byteLength(OIP_ANSWER),
    });
    expect(lines[0]).not.toContain('0.25');
    expect(lines[0]).not.toContain(TOKEN);
    const quiet = deps(v.fetch);
    await relay(post('/api/v1/fraud/infer'), { ...CONFIG, accessLog: false }, quiet.deps);
    expect(quiet.lines).toEqual([]);
  });

  test('the access token comes from the metadata server with Metadata-Flavor: Google and is reused until a minute before it expires', async () => {
    const calls: { url: string; headers: Record<string, string> }[] = [];
    let clock = 0;
    const fetch: RelayFetch = async (url, init) => {
      calls.push({ url, headers: init.headers });
      const body = JSON.stringify({ access_token: `t${calls.length}`, expires_in: 3599, token_type: 'Bearer' });
      return { status: 200, headers: { get: () => null }, arrayBuffer: async () => new Uint8Array(Buffer.from(body)).buffer };
    };
    const token = metadataToken(fetch, () => clock);
    expect(await token()).toBe('t1');
    expect(calls[0]).toEqual({ url: 'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token', headers: { 'metadata-flavor': 'Google' } });
    clock = 3538_000;
    expect(await token()).toBe('t1');
    clock = 3539_000;
    expect(await token()).toBe('t2');
  });

  test('the environment the construct writes is read back, and a broken one fails naming the variable', () => {
    const env = { GATEWAY_ROUTES: JSON.stringify(CONFIG.routes), GATEWAY_MAX_BODY_BYTES: '1000', GATEWAY_ACCESS_LOG: 'true' };
    expect(readRelayConfig(env)).toEqual(CONFIG);
    expect(readRelayConfig({ ...env, GATEWAY_ACCESS_LOG: 'false' }).accessLog).toBe(false);
    // One table (gateway-relay/environment.ts RELAY_ENV) renders and parses it; every bad variable is named at once.
    expect(() => readRelayConfig({ ...env, GATEWAY_ROUTES: '[' })).toThrow(/\n  GATEWAY_ROUTES: got "\["; allowed: a JSON array of \{path/);
    expect(() => readRelayConfig({ ...env, GATEWAY_ROUTES: JSON.stringify([{ path: '/a', model: 'a', endpoint: 'endpoints/1' }]) })).toThrow(/GATEWAY_ROUTES: .*projects\/<p>\/locations\/<region>\/endpoints\/<id>/);
    expect(() => readRelayConfig({ ...env, GATEWAY_MAX_BODY_BYTES: 'lots', GATEWAY_ACCESS_LOG: 'yes' })).toThrow(/GATEWAY_MAX_BODY_BYTES: got "lots"; allowed: a whole number of bytes above 0\n  GATEWAY_ACCESS_LOG: got "yes"; allowed: true or false/);
    expect(rawPredictUrl(FRAUD)).toBe(`https://europe-west4-aiplatform.googleapis.com/v1/${FRAUD}:rawPredict`);
    // Two-digit regions exist (europe-west10: the GCP region list in constructs/gcp/checks.ts): the relay takes
    // an endpoint there and calls its regional host (the old pattern refused it, so that gateway could never start).
    const west10 = 'projects/acme-ml/locations/europe-west10/endpoints/42';
    expect(readRelayConfig({ ...env, GATEWAY_ROUTES: JSON.stringify([{ path: '/a', model: 'a', endpoint: west10 }]) }).routes[0].endpoint).toBe(west10);
    expect(rawPredictUrl(west10)).toBe(`https://europe-west10-aiplatform.googleapis.com/v1/${west10}:rawPredict`);
  });

  test('the Functions Framework entry point reads the raw body and path, and writes status, headers and body', async () => {
    const v = fakeVertex();
    const saved = { fetch: globalThis.fetch, env: { ...process.env } };
    let sent: { status?: number; headers?: Record<string, string>; body?: Buffer } = {};
    try {
      globalThis.fetch = (async (url: string, init: { method: string; headers: Record<string, string>; body?: Buffer }) => {
        if (url.startsWith('http://metadata.google.internal/')) {
          const body = JSON.stringify({ access_token: TOKEN, expires_in: 3599, token_type: 'Bearer' });
          return { status: 200, headers: { get: () => null }, arrayBuffer: async () => new Uint8Array(Buffer.from(body)).buffer };
        }
        return v.fetch(url, init);
      }) as unknown as typeof globalThis.fetch;
      Object.assign(process.env, { GATEWAY_ROUTES: JSON.stringify(CONFIG.routes), GATEWAY_MAX_BODY_BYTES: '1000', GATEWAY_ACCESS_LOG: 'false' });
      await jest.isolateModulesAsync(async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { handler } = require('../../constructs/gcp/gateway-relay/handler') as typeof import('../../constructs/gcp/gateway-relay/handler');
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-forwarded-authorization': 'Bearer caller-jwt', 'x-api-key': 'caller-key' };
        const res = {
          status(code: number) { sent.status = code; return res; },
          set(h: Record<string, string>) { sent.headers = h; return res; },
          send(b: Buffer) { sent.body = b; },
        };
        await handler({ method: 'POST', path: '/api/v1/fraud/infer', rawBody: Buffer.from(OIP_REQUEST), get: (n: string) => headers[n.toLowerCase()] }, res);
      });
    } finally {
      globalThis.fetch = saved.fetch;
      process.env = saved.env;
    }
    expect(sent.status).toBe(200);
    expect(sent.body!.toString()).toBe(OIP_ANSWER);
    expect(v.seen[0].headers).toEqual({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
    sent = {};
  });
});
