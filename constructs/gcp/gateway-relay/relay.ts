/**
 * The ModelGateway relay: the one hop between Google Cloud API Gateway and Vertex AI.
 *
 * Why it exists: API Gateway authenticates to its backend with a Google-signed ID token (`x-google-backend`
 * `jwt_audience`), while Vertex AI's `endpoints.rawPredict` wants an OAuth 2.0 access token. The relay runs
 * as its own service account (predict only), takes an access token from the metadata server, and forwards
 * `POST <route path>/infer` to `https://<region>-aiplatform.googleapis.com/v1/<endpoint>:rawPredict` with the
 * body unchanged. rawPredict hands an arbitrary HTTP payload to the container's predict route (Vertex AI REST
 * reference, projects.locations.endpoints.rawPredict), where the bundled server answers an Open Inference
 * Protocol body as `/v2/models/<model>/infer` does (runtime/src/http/vertex.ts -> answerAny -> answerOip).
 *
 * What it never does: forward the caller's headers (their JWT arrives as X-Forwarded-Authorization and their
 * API key as a header; neither reaches Vertex AI), log a body or a header, or answer for a path it was not
 * configured with.
 */

import { parseEnvironment } from '../../../lib/internal/function-environment';
import { RELAY_ENV, RelayConfig, RelayRoute, VERTEX_ENDPOINT_NAME } from './environment';

export type { RelayConfig, RelayRoute };

export interface RelayRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType?: string;
  /** `inference-header-content-length` of the OIP binary extension, passed on when present. */
  readonly inferenceHeaderContentLength?: string;
  readonly body: Buffer;
}

export interface RelayResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export type RelayFetch = (url: string, init: { method: string; headers: Record<string, string>; body?: Buffer }) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

export interface RelayDeps {
  readonly fetch: RelayFetch;
  /** An OAuth access token for the relay's own service account. */
  readonly token: () => Promise<string>;
  readonly log: (line: string) => void;
  readonly now?: () => number;
}

const ENDPOINT = VERTEX_ENDPOINT_NAME;

/** Reads the relay's configuration from its environment (RELAY_ENV); throws naming every variable that is wrong. */
export function readRelayConfig(env: NodeJS.ProcessEnv): RelayConfig {
  return parseEnvironment(RELAY_ENV, env);
}

/** The rawPredict URL of an endpoint, at its regional host (Vertex AI REST reference, service endpoints). */
export function rawPredictUrl(endpoint: string): string {
  const region = ENDPOINT.exec(endpoint)?.[1];
  if (!region) throw new Error(`not a Vertex AI endpoint name: ${endpoint}`);
  return `https://${region}-aiplatform.googleapis.com/v1/${endpoint}:rawPredict`;
}

function json(status: number, value: unknown, extra: Record<string, string> = {}): RelayResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...extra }, body: Buffer.from(JSON.stringify(value)) };
}

/**
 * Answers one request. Statuses: 405 for anything but POST, 404 for a path that is no route's `<path>/infer`,
 * 413 above the body limit, then the model's own answer (2xx, and 400/413/429/503/504 with its body), 502 when
 * Vertex AI refuses the relay itself (401/403/404: a grant or an endpoint is missing, said in the log, not to the
 * caller) or fails otherwise.
 */
export async function relay(request: RelayRequest, config: RelayConfig, deps: RelayDeps): Promise<RelayResponse> {
  const now = deps.now ?? Date.now;
  const started = now();
  const route = config.routes.find((r) => `${r.path}/infer` === request.path);
  let upstream: number | undefined;
  let deployedModel: string | undefined;
  const answer = await (async (): Promise<RelayResponse> => {
    if (!route) return json(404, { error: `no model at ${request.path}; routes: ${config.routes.map((r) => `POST ${r.path}/infer`).join(', ')}` });
    if (request.method !== 'POST') return json(405, { error: `${request.method} ${request.path}: only POST` }, { allow: 'POST' });
    if (request.body.length > config.maxBodyBytes) {
      return json(413, { error: `request body of ${request.body.length} bytes is above the gateway's limit of ${config.maxBodyBytes} bytes` });
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${await deps.token()}`,
      'content-type': request.contentType ?? 'application/json',
    };
    if (request.inferenceHeaderContentLength !== undefined) headers['inference-header-content-length'] = request.inferenceHeaderContentLength;
    let res: Awaited<ReturnType<RelayFetch>>;
    try {
      res = await deps.fetch(rawPredictUrl(route.endpoint), { method: 'POST', headers, body: request.body });
    } catch (e) {
      deps.log(JSON.stringify({ event: 'upstream-error', model: route.model, error: (e as Error).message }));
      return json(502, { error: `model ${route.model} could not be reached` });
    }
    upstream = res.status;
    deployedModel = res.headers.get('x-vertex-ai-deployed-model-id') ?? undefined;
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      deps.log(JSON.stringify({ event: 'upstream-refused', model: route.model, endpoint: route.endpoint, status: res.status,
        hint: res.status === 404 ? 'endpoint or deployed model missing' : 'the relay\'s service account lacks aiplatform.endpoints.predict' }));
      return json(502, { error: `model ${route.model} is not available through this gateway` });
    }
    const passThrough = (res.status >= 200 && res.status < 300) || [400, 413, 429, 503, 504].includes(res.status);
    if (!passThrough) return json(502, { error: `model ${route.model} failed (HTTP ${res.status})` });
    const out: Record<string, string> = { 'content-type': res.headers.get('content-type') ?? 'application/json' };
    const ihcl = res.headers.get('inference-header-content-length');
    if (ihcl !== null) out['inference-header-content-length'] = ihcl;
    return { status: res.status, headers: out, body };
  })();
  if (config.accessLog) {
    deps.log(JSON.stringify({
      event: 'access', method: request.method, path: request.path, model: route?.model, status: answer.status, upstreamStatus: upstream,
      deployedModelId: deployedModel, latencyMs: now() - started, requestBytes: request.body.length, responseBytes: answer.body.length,
    }));
  }
  return answer;
}

/**
 * Access tokens from the metadata server of the relay's own instance (Cloud Run: "Fetching an access token from
 * the metadata server": GET http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token
 * with `Metadata-Flavor: Google`, answer `{access_token, expires_in, token_type}`), kept until a minute before expiry.
 */
export function metadataToken(fetchFn: RelayFetch, now: () => number = Date.now): () => Promise<string> {
  let cached: { token: string; until: number } | undefined;
  return async () => {
    if (cached && now() < cached.until) return cached.token;
    const res = await fetchFn('http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token', { method: 'GET', headers: { 'metadata-flavor': 'Google' } });
    if (res.status !== 200) throw new Error(`metadata server: HTTP ${res.status} for the access token`);
    const body = JSON.parse(Buffer.from(await res.arrayBuffer()).toString('utf8')) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new Error('metadata server: no access_token in the answer');
    cached = { token: body.access_token, until: now() + Math.max(0, (body.expires_in ?? 0) - 60) * 1000 };
    return body.access_token;
  };
}
