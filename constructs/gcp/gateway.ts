import { createHash } from 'node:crypto';
import type { GoogleApiGatewayApi } from '@cdktf/provider-google-beta/lib/google-api-gateway-api';
import type { GoogleApiGatewayApiConfigA as GoogleApiGatewayApiConfig } from '@cdktf/provider-google-beta/lib/google-api-gateway-api-config';
import type { GoogleApiGatewayGateway } from '@cdktf/provider-google-beta/lib/google-api-gateway-gateway';
import type { GoogleVertexAiEndpointIamMember } from '@cdktf/provider-google-beta/lib/google-vertex-ai-endpoint-iam-member';
import { LoggingProjectExclusion } from '@cdktf/provider-google/lib/logging-project-exclusion';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { Annotations, Fn, TerraformProvider, TerraformResource, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  GATEWAY_PROP_SHAPES,
  GatewayRouteInput,
  ModelGatewaySpec,
  NotSupported,
  ProblemCollector,
  ResolvedGateway,
  SpecResolver,
  SpecValidationError,
  SpecWarning,
  describe,
  isUnresolved,
  shapeProblems,
} from '../../lib';
import { IModelGatewayContract } from '../../lib/backend';
import { addTextWarnings } from '../../lib/internal/warnings';
import { AlertRouting } from './alert-routing';
import { API_GATEWAY_CAPABILITIES, VERTEX_CAPABILITIES } from './capabilities';
import { checkGcpRegion } from './checks';
import { gatewayOpenApi } from './gateway/openapi';
import { renderEnvironment } from '../../lib/internal/function-environment';
import { RELAY_ENV, RelayRoute } from './gateway-relay/environment';
import { HttpFunction } from './http-function';
import { ModelEndpoint, NOTIFICATION_CHANNEL, NOTIFICATION_CHANNEL_ALLOWED, NOTIFICATION_CHANNEL_FIX, checkProjectAndRegion } from './model-endpoint';
import { VertexMetric, apiGatewayMetric, errorRateCondition, latencyCondition } from './monitoring';

/** One route of a ModelGateway: a Vertex AI ModelEndpoint under a path prefix. */
export interface ModelGatewayRoute {
  /** The endpoint this route serves; its model name (`metadata.name`) names the route. */
  readonly endpoint: ModelEndpoint;
  /** Path prefix. @default `${basePath}/${model name}` */
  readonly path?: string;
  /** Gateway cache: refused on Google Cloud API Gateway (no response cache). @default false */
  readonly cache?: boolean;
}

export interface ModelGatewayProps extends ModelGatewaySpec {
  /** The models the gateway serves, one route each. */
  readonly routes: ModelGatewayRoute[];
  /** Google Cloud project of the API, its gateway and the relay. */
  readonly project: string;
  /** Region of the gateway and the relay, e.g. `europe-west1` (one API Gateway offers; see the README). */
  readonly region: string;
  /** API and gateway id: lower-case letters, digits and `-`, 4-40 characters, starting with a letter. @default - from this construct's path */
  readonly gatewayId?: string;
  /** Cloud Monitoring notification channels (`projects/.../notificationChannels/...`) the gateway's alerts notify. @default - none (an AlertRouting in scope adds its channels) */
  readonly notificationChannels?: string[];
  /**
   * The `GoogleBetaProvider` the API Gateway resources use (Terraform would otherwise give them the `google`
   * provider, which has no API Gateway). @default - the stack's only google-beta provider
   */
  readonly betaProvider?: TerraformProvider;
}

const GATEWAY_ID = /^[a-z][a-z0-9-]{2,38}[a-z0-9]$/;
const BACKEND = VERTEX_CAPABILITIES.backend;

/**
 * One front door for several Vertex AI endpoints: Google Cloud API Gateway validates callers (JWT, API keys with
 * a quota per minute) and forwards to a small relay (a Cloud Function, 2nd gen) that calls each endpoint's
 * `rawPredict` with its own identity.
 *
 * **Route contract** (the same on every target): `POST <url><route path>/infer` with an Open Inference Protocol
 * body (what the bundled server takes at `/v2/models/<model>/infer`) answers with the model's OIP answer. The
 * relay sends the body unchanged to `https://<region>-aiplatform.googleapis.com/v1/<endpoint>:rawPredict`, which
 * hands it to the container's predict route (`/predict`, VERTEX_PREDICT_ROUTE), where the bundled server answers
 * an OIP body exactly as `/v2/models/<model>/infer` does (runtime/src/http/vertex.ts; runtime/test/protocols.test.ts).
 *
 * **Why a relay** (the smallest real path): API Gateway can only authenticate to a backend with a Google-signed
 * ID token (`x-google-backend.jwt_audience`), while Vertex AI's prediction API takes OAuth 2.0 access tokens.
 * The relay runs as a service account of its own that may only predict, and only on the routed endpoints: a
 * custom role with `aiplatform.endpoints.predict` alone (`predictRole`), bound on each endpoint's own IAM policy
 * (google-beta `google_vertex_ai_endpoint_iam_member`, Vertex AI "Control access to Vertex AI endpoints"), never
 * on the project. It reads its access token from the metadata server, and accepts calls from the gateway's
 * service account only (`roles/run.invoker`). No key or secret exists anywhere.
 *
 * **Auth at the gateway**: `jwt` -> an oauth2 security definition (`x-google-issuer`, `x-google-jwks_uri`,
 * `x-google-audiences`); API Gateway checks signature, `iss`, `aud` and `exp`, and accepts any algorithm of
 * the issuer's published keys (restrict algorithms by what the JWKS publishes). `apiKeys` -> an apiKey security
 * definition in the given header, plus a quota of `requestsPerMinute` per minute with unit `1/min/{project}`:
 * **API Gateway counts per consumer project of the key**, so a per-key limit holds when each client has its own
 * project and key; keys of one project share one budget (a warning says so). Over the quota the gateway answers
 * 429. Keys are Google Cloud API keys from a project that has enabled the gateway's managed service
 * (`managedService`; enabled here for this project).
 *
 * **Limits and logs**: bodies above `maxRequestBodySize` (at most 1.5 MB, Vertex AI's shared public endpoint
 * limit) get 413 from the relay before any call. API Gateway's request log records the API key
 * (Endpoints logs reference, field `api_key`), so with API keys (or `accessLogs: false`) the gateway's request
 * log is excluded from Cloud Logging; the relay then writes the access log: one line per forwarded request
 * (path, model, status, latency, sizes), never a body or a header. Requests refused at the gateway (401, 429)
 * show only in the metrics.
 *
 * **Metrics and alerts**: `serviceruntime.googleapis.com/api/request_count` (5xx share, the error rate) and
 * `api/request_latencies` (seconds, at the guardrails' percentile) of the managed service, alert policies
 * routed like ModelEndpoint's (`notificationChannels`, plus any AlertRouting in scope).
 *
 * Needs `@cdktf/provider-google-beta` (API Gateway is in Terraform's google-beta provider only) and a
 * `GoogleBetaProvider` in the stack.
 */
export class ModelGateway extends Construct
  implements IModelGatewayContract<string, ProjectIamMember, VertexMetric, MonitoringAlertPolicy, string> {
  public readonly project: string;
  public readonly region: string;
  /** API and gateway id. */
  public readonly gatewayName: string;
  /** `https://<default hostname>`; routes hang below it. */
  public readonly url: string;
  /** The gateway spec after resolution. */
  public readonly gateway: ResolvedGateway;
  public readonly warnings: SpecWarning[];
  /** The OpenAPI 2.0 document handed to API Gateway (the relay URL appears as a Terraform reference). */
  public readonly openApi: Record<string, unknown>;
  /**
   * The google-beta resources, typed by what callers read (TerraformResource plus those attributes), so the
   * published declarations never name @cdktf/provider-google-beta: it is an optional peer, and a consumer without
   * it compiles (tsc without skipLibCheck) as long as no ModelGateway is built.
   *
   * TypeScript-only (an intersection type, which jsii cannot model; `url` has the gateway's hostname).
   * @jsii ignore
   */
  public readonly api: TerraformResource & { readonly apiId: string; readonly managedService: string };
  /**
   * The API config (google-beta `google_api_gateway_api_config`).
   *
   * TypeScript-only (an intersection type, which jsii cannot model).
   * @jsii ignore
   */
  public readonly apiConfig: TerraformResource & { readonly id: string };
  /**
   * The gateway (google-beta `google_api_gateway_gateway`).
   *
   * TypeScript-only (an intersection type, which jsii cannot model; `url` has its hostname).
   * @jsii ignore
   */
  public readonly apiGateway: TerraformResource & { readonly defaultHostname: string };
  /** The gateway's own identity: it signs the ID tokens the relay accepts. */
  public readonly gatewayAccount: ServiceAccount;
  /** The relay between API Gateway and Vertex AI (its service account may only predict). */
  public readonly relay: HttpFunction;
  /** The custom role the relay holds on each routed endpoint: `aiplatform.endpoints.predict` only. */
  public readonly predictRole: ProjectIamCustomRole;
  /** The relay's predict grants, one per endpoint, each on that endpoint's IAM policy (not the project's). */
  public readonly predictGrants: TerraformResource[];
  /** Keeps API Gateway's request log (which records API keys) out of Cloud Logging; set with apiKeys or accessLogs: false. */
  public readonly requestLogExclusion?: LoggingProjectExclusion;
  public readonly errorRateAlarm: MonitoringAlertPolicy;
  public readonly latencyAlarm: MonitoringAlertPolicy;
  /** API Gateway authorizes by JWT or API key, not by Google identity. */
  public readonly grantInvoke: NotSupported = NotSupported.because(BACKEND,
    'Google Cloud API Gateway authenticates callers by JWT or API key (jwt, apiKeys), not by IAM; give the caller a token from your issuer or an API key');
  private readonly notificationChannels: readonly string[];

  constructor(scope: Construct, id: string, props: ModelGatewayProps) {
    super(scope, id);
    const owner = `ModelGateway ${this.node.path}`;
    const problems = new ProblemCollector();
    problems.addAll(shapeProblems(props, [
      ...GATEWAY_PROP_SHAPES,
      { field: 'project', kind: 'string', required: true, example: "'acme-ml'" },
      { field: 'region', kind: 'string', required: true, example: "'europe-west1'" },
      { field: 'routes', kind: 'object', array: true, required: true, example: '{ endpoint }' },
      { field: 'gatewayId', kind: 'string', example: "'models'" },
      { field: 'notificationChannels', kind: 'string', array: true, example: 'channel.id' },
    ]));
    // Wrong prop shapes (JavaScript callers) are thrown at once: nothing can be built from them. The rest is reported at synth.
    problems.throwIfAny(owner);
    checkProjectAndRegion(props.project, props.region, problems);
    checkGcpRegion(this, 'region', props.region, problems, { shapeCheckedElsewhere: true });
    const routes = this.routeInputs(props, problems);
    const pathHash = createHash('sha256').update(`${this.node.path}|${isUnresolved(props.project) ? '' : props.project}`).digest('hex');
    const gatewayId = props.gatewayId ?? defaultGatewayId(id, pathHash);
    if (!isUnresolved(gatewayId) && !GATEWAY_ID.test(gatewayId)) {
      problems.add({ field: 'gatewayId', given: describe(gatewayId), allowed: 'lower-case letters, digits and "-", 4-40 characters, starting with a letter and not ending with "-" (API Gateway api_id and gateway_id)', fix: 'e.g. "models", or leave gatewayId out for one derived from the construct path' });
    }
    for (const [i, ch] of (props.notificationChannels ?? []).entries()) {
      if (!isUnresolved(ch) && !NOTIFICATION_CHANNEL.test(ch)) {
        problems.add({ field: `notificationChannels[${i}]`, given: describe(ch), allowed: NOTIFICATION_CHANNEL_ALLOWED, fix: NOTIFICATION_CHANNEL_FIX });
      }
    }
    const provider = props.betaProvider ?? findBetaProvider(this);
    if (provider === undefined || provider.terraformResourceType !== 'google-beta') {
      problems.add({ field: 'betaProvider', given: provider === undefined ? 'no google-beta provider in the stack' : `a ${provider.terraformResourceType} provider`,
        allowed: 'a GoogleBetaProvider (API Gateway is in Terraform\'s google-beta provider only)', fix: 'add new GoogleBetaProvider(stack, \'google-beta\', { project, region }) from @cdktf/provider-google-beta/lib/provider, or pass it as betaProvider', backend: BACKEND });
    }
    const resolution = SpecResolver.gateway(props, routes.map((r) => r.input), VERTEX_CAPABILITIES);
    this.gateway = resolution.reportIfInvalid(this, owner, problems);
    this.warnings = [...resolution.warnings, ...gatewayWarnings(props, this.gateway)];
    addTextWarnings(Annotations.of(this), this.warnings);

    this.project = props.project;
    this.region = props.region;
    this.gatewayName = gatewayId;
    this.notificationChannels = [...(props.notificationChannels ?? [])];
    const labels = { 'managed-by': 'model-serving-constructs', 'model-gateway': gatewayId };
    const beta = loadApiGateway(owner);

    this.gatewayAccount = new ServiceAccount(this, 'GatewayAccount', {
      project: props.project,
      accountId: `gw-${gatewayId.slice(0, 19).replace(/-+$/, '')}-${pathHash.slice(0, 6)}`,
      displayName: `API Gateway ${gatewayId}`,
      description: `Identity of API Gateway ${gatewayId}: may only invoke its relay`,
    });
    const relayRoutes: RelayRoute[] = this.gateway.routes.map((r, i) => ({ path: r.path, model: r.model, endpoint: routes[i].endpoint.endpointName }));
    this.relay = new HttpFunction(this, 'Relay', {
      project: props.project,
      region: props.region,
      handler: 'gateway-relay',
      functionName: `${gatewayId}-relay`,
      description: `Relay of API Gateway ${gatewayId} to Vertex AI rawPredict (${this.gateway.routes.map((r) => r.model).join(', ')})`,
      labels,
      idSeed: pathHash,
      sourceBucketName: `${gatewayId}-relay-${pathHash.slice(0, 12)}`,
      invoker: `serviceAccount:${this.gatewayAccount.email}`,
      environment: renderEnvironment(RELAY_ENV, { routes: relayRoutes, maxBodyBytes: this.gateway.maxRequestBodyBytes, accessLog: this.gateway.accessLogs }),
    });
    const relayMember = `serviceAccount:${this.relay.serviceAccount.email}`;
    const endpoints = [...new Set(routes.map((r) => r.endpoint))];
    // Custom role ids: letters, digits, "_" and ".", 3-64 characters; reserved for 7 days after deletion.
    this.predictRole = new ProjectIamCustomRole(this, 'PredictRole', {
      project: props.project,
      roleId: `modelServingGatewayPredict_${pathHash.slice(0, 16)}`,
      title: `Predict on the Vertex AI endpoints of gateway ${gatewayId}`,
      description: `Held by the relay of ModelGateway ${gatewayId} on each routed endpoint's own IAM policy (model-serving-constructs)`,
      permissions: ['aiplatform.endpoints.predict'],
    });
    this.predictGrants = endpoints.map((e, i) => new beta.GoogleVertexAiEndpointIamMember(this, `PredictGrant${i}`, {
      provider,
      project: e.project,
      location: e.region,
      endpoint: e.endpoint.name,
      role: this.predictRole.name,
      member: relayMember,
    }));

    this.openApi = gatewayOpenApi(this.gateway, { title: `Models ${gatewayId}`, backendUrl: this.relay.uri });
    this.api = new beta.GoogleApiGatewayApi(this, 'Api', { provider, project: props.project, apiId: gatewayId, displayName: `Models ${gatewayId}`, labels });
    this.apiConfig = new beta.GoogleApiGatewayApiConfig(this, 'Config', {
      provider,
      project: props.project,
      api: this.api.apiId,
      apiConfigIdPrefix: `${gatewayId}-`,
      labels,
      openapiDocuments: [{ document: { path: 'openapi.json', contents: Fn.base64encode(Fn.jsonencode(escapeTemplates(this.openApi))) } }],
      gatewayConfig: { backendConfig: { googleServiceAccount: this.gatewayAccount.email } },
      // API configs are immutable: a changed document is a new config, created before the gateway moves to it.
      lifecycle: { createBeforeDestroy: true },
    });
    this.apiGateway = new beta.GoogleApiGatewayGateway(this, 'Resource', {
      provider,
      project: props.project,
      region: props.region,
      gatewayId,
      apiConfig: this.apiConfig.id,
      displayName: `Models ${gatewayId}`,
      labels,
    });
    this.url = `https://${this.apiGateway.defaultHostname}`;
    if (this.gateway.apiKeys) {
      // API keys of this project only work once the API's managed service is enabled in it.
      new ProjectService(this, 'EnableManagedService', { project: props.project, service: this.api.managedService, disableOnDestroy: false });
    }
    if (this.gateway.apiKeys || !this.gateway.accessLogs) {
      this.requestLogExclusion = new LoggingProjectExclusion(this, 'RequestLogExclusion', {
        project: props.project,
        name: `${gatewayId}-request-log`,
        description: `API Gateway ${gatewayId} request log: it records API keys (jsonPayload.api_key); the relay writes the access log`,
        filter: `resource.type = "api" AND resource.labels.service = "${this.api.managedService}"`,
      });
    }
    [this.errorRateAlarm, this.latencyAlarm] = this.createAlarms(gatewayId, labels);
  }

  /** Where the gateway's alerts notify: `notificationChannels`, then every AlertRouting in scope (as ModelEndpoint). */
  public get alarmTargets(): string[] {
    const targets = [...this.notificationChannels];
    for (const ancestor of this.node.scopes) {
      for (const child of ancestor.node.children) {
        if (child instanceof AlertRouting) targets.push(...child.alertTarget.filter((c) => !targets.includes(c)));
      }
    }
    return targets;
  }

  /** Requests answered by the gateway (`serviceruntime.googleapis.com/api/request_count` of its managed service). */
  public metricRequestCount(): VertexMetric {
    return apiGatewayMetric(this.api.managedService, 'request_count');
  }

  /** Requests answered with 5xx (the gateway's, the relay's and the models' failures). */
  public metricServerErrorCount(): VertexMetric {
    return apiGatewayMetric(this.api.managedService, 'request_count', 'metric.labels.response_code_class = "5xx"');
  }

  /** End-to-end latency at the gateway, the model included: a distribution in seconds. */
  public metricLatency(): VertexMetric {
    return apiGatewayMetric(this.api.managedService, 'request_latencies');
  }

  private routeInputs(props: ModelGatewayProps, problems: ProblemCollector): { input: GatewayRouteInput; endpoint: ModelEndpoint }[] {
    const out: { input: GatewayRouteInput; endpoint: ModelEndpoint }[] = [];
    props.routes.forEach((r, i) => {
      if (!(r?.endpoint instanceof ModelEndpoint)) {
        problems.add({ field: `routes[${i}].endpoint`, given: describe(r?.endpoint), allowed: 'a Vertex AI ModelEndpoint (model-serving-constructs/gcp)', fix: 'pass the ModelEndpoint construct itself, e.g. { endpoint: fraud }' });
        return;
      }
      out.push({ input: { model: r.endpoint.serving.metadata.name, path: r.path, cache: r.cache }, endpoint: r.endpoint });
    });
    return out;
  }

  private createAlarms(gatewayId: string, labels: Record<string, string>): [MonitoringAlertPolicy, MonitoringAlertPolicy] {
    const g = this.gateway.guardrails;
    const channels = this.notificationChannels.length > 0 ? [...this.notificationChannels] : undefined;
    const errorRate = new MonitoringAlertPolicy(this, 'ErrorRateAlert', {
      project: this.project,
      displayName: `Gateway ${gatewayId}: 5xx rate above ${g.maxErrorRatePercent}%`,
      combiner: 'OR',
      notificationChannels: channels,
      userLabels: labels,
      conditions: [errorRateCondition(this.metricServerErrorCount(), this.metricRequestCount(), g, false)],
      documentation: { content: `More than ${g.maxErrorRatePercent}% of requests through API Gateway ${gatewayId} failed with 5xx for ${g.breachingPeriods} x ${g.evaluationPeriod.toString()}.`, mimeType: 'text/markdown' },
    });
    const latency = new MonitoringAlertPolicy(this, 'LatencyAlert', {
      project: this.project,
      displayName: `Gateway ${gatewayId}: ${g.latencyPercentile.name} latency above ${g.maxLatency.toString()}`,
      combiner: 'OR',
      notificationChannels: channels,
      userLabels: labels,
      conditions: [latencyCondition(this.metricLatency(), g, false, 's')],
      documentation: { content: `${g.latencyPercentile.name} latency through API Gateway ${gatewayId} above ${g.maxLatency.toString()} for ${g.breachingPeriods} x ${g.evaluationPeriod.toString()}.`, mimeType: 'text/markdown' },
    });
    return [errorRate, latency];
  }
}

/** What API Gateway does differently from the spec's words, said once at synth. */
function gatewayWarnings(props: ModelGatewayProps, g: ResolvedGateway): SpecWarning[] {
  const out: SpecWarning[] = [];
  if (g.apiKeys) {
    out.push({ field: 'apiKeys.requestsPerMinute', message: `${API_GATEWAY_CAPABILITIES.product} counts ${g.apiKeys.requestsPerMinute} requests per minute per consumer Google Cloud project of the API key, not per key (Cloud Endpoints, "About quotas"): give each client its own project and key for a per-key limit; keys of one project share one budget.` });
  }
  // Also with the default algorithms: API Gateway enforces none of them, whoever chose them.
  if (g.jwt) {
    const which = props.jwt?.algorithms === undefined ? `the default ${g.jwt.algorithms.join(', ')}` : g.jwt.algorithms.join(', ');
    out.push({ field: 'jwt.algorithms', message: `${API_GATEWAY_CAPABILITIES.product} has no algorithm setting: it accepts tokens signed with any key the JWKS publishes (RSA or ECDSA); publish only ${which} keys at ${g.jwt.jwksUri} to restrict them.` });
  }
  return out;
}

/**
 * The document is a Terraform expression (`jsonencode(...)`): cdktf doubles a literal "${" there itself, but not
 * "%{", which Terraform would read as a template directive; a literal (an audience, say) gets "%%{". References
 * (the relay URL) are cdktf tokens and stay references.
 */
function escapeTemplates<T>(value: T): T {
  if (typeof value === 'string') return (Token.isUnresolved(value) ? value : value.replace(/%\{/g, '%%{')) as T;
  if (Array.isArray(value)) return value.map((v) => escapeTemplates(v)) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeTemplates(v)])) as T;
  return value;
}

/** The stack's google-beta provider, when it has exactly one. */
function findBetaProvider(scope: Construct): TerraformProvider | undefined {
  const found = TerraformStack.of(scope).node.findAll().filter((c): c is TerraformProvider => c instanceof TerraformProvider && c.terraformResourceType === 'google-beta');
  return found.length === 1 ? found[0] : undefined;
}

function defaultGatewayId(id: string, pathHash: string): string {
  const base = id.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^[^a-z]+/, '').replace(/-+/g, '-').slice(0, 24).replace(/-+$/, '');
  return `${base || 'gateway'}-${pathHash.slice(0, 6)}`;
}

interface ApiGatewayClasses {
  readonly GoogleApiGatewayApi: typeof GoogleApiGatewayApi;
  readonly GoogleApiGatewayApiConfig: typeof GoogleApiGatewayApiConfig;
  readonly GoogleApiGatewayGateway: typeof GoogleApiGatewayGateway;
  readonly GoogleVertexAiEndpointIamMember: typeof GoogleVertexAiEndpointIamMember;
}

/** google-beta is an optional peer: loaded only when a ModelGateway is built, with a message saying how to add it. */
function loadApiGateway(owner: string): ApiGatewayClasses {
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    return {
      GoogleApiGatewayApi: (require('@cdktf/provider-google-beta/lib/google-api-gateway-api') as typeof import('@cdktf/provider-google-beta/lib/google-api-gateway-api')).GoogleApiGatewayApi,
      GoogleApiGatewayApiConfig: (require('@cdktf/provider-google-beta/lib/google-api-gateway-api-config') as typeof import('@cdktf/provider-google-beta/lib/google-api-gateway-api-config')).GoogleApiGatewayApiConfigA,
      GoogleApiGatewayGateway: (require('@cdktf/provider-google-beta/lib/google-api-gateway-gateway') as typeof import('@cdktf/provider-google-beta/lib/google-api-gateway-gateway')).GoogleApiGatewayGateway,
      GoogleVertexAiEndpointIamMember: (require('@cdktf/provider-google-beta/lib/google-vertex-ai-endpoint-iam-member') as typeof import('@cdktf/provider-google-beta/lib/google-vertex-ai-endpoint-iam-member')).GoogleVertexAiEndpointIamMember,
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
  } catch {
    throw new SpecValidationError(owner, [{
      field: 'ModelGateway', given: '@cdktf/provider-google-beta is not installed', allowed: 'Google Cloud API Gateway from Terraform\'s google-beta provider (its only home)',
      fix: 'npm install --save-exact @cdktf/provider-google-beta@16.12.1 and add new GoogleBetaProvider(stack, \'google-beta\', { project, region }) to the stack', backend: BACKEND,
    }]);
  }
}
