import { ApiManagement } from '@cdktf/provider-azurerm/lib/api-management';
import { ApiManagementApi } from '@cdktf/provider-azurerm/lib/api-management-api';
import { ApiManagementApiDiagnostic } from '@cdktf/provider-azurerm/lib/api-management-api-diagnostic';
import { ApiManagementApiOperation } from '@cdktf/provider-azurerm/lib/api-management-api-operation';
import { ApiManagementApiOperationPolicy } from '@cdktf/provider-azurerm/lib/api-management-api-operation-policy';
import { ApiManagementApiPolicy } from '@cdktf/provider-azurerm/lib/api-management-api-policy';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Annotations, Fn, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import {
  LatencyPercentile,
  ModelGatewaySpec,
  NotSupported,
  ProblemCollector,
  SpecResolver,
  SpecWarning,
  describe,
  isUnresolved,
  refusal,
  shapeProblems,
} from '../../lib';
import { GatewayRouteInput, IModelGatewayContract, ResolvedGateway } from '../../lib/backend';
import { addTextWarnings } from '../../lib/internal/warnings';
import { alarmTargetsOf } from './alert-routing';
import { AZURE_ML_BACKEND, AZURE_ML_CAPABILITIES } from './capabilities';
import { apiPolicy, operationPolicy, renderPolicy } from './gateway-policies';
import { GuardrailAlerts, checkGuardrails } from './guardrail-alerts';
import { AzureMetric, MetricOptions, withOptions } from './metrics';
import { EndpointAuthMode, ModelEndpoint } from './model-endpoint';
import { shortHash } from './names';
import { ARM_ID_TYPES, checkArmId, checkLocation, checkResourceGroupName } from './validation';

/** One model behind the gateway. */
export interface ModelGatewayRoute {
  /** The Azure ML endpoint that serves the model (its `metadata.name` is the route's model). */
  readonly endpoint: ModelEndpoint;
  /** Path prefix; clients call `POST <url><path>/infer`. @default `${basePath}/${model}` */
  readonly path?: string;
  /** Serve repeated identical request bodies from the gateway cache. @default false */
  readonly cache?: boolean;
}

export interface ModelGatewayProps extends ModelGatewaySpec {
  /** The models behind the gateway. */
  readonly routes: ModelGatewayRoute[];
  /** Resource group of the API Management service. */
  readonly resourceGroupName: string;
  /** Azure region, e.g. `westeurope`. */
  readonly location: string;
  /** Publisher name API Management requires (shown in its developer portal). */
  readonly publisherName: string;
  /** Publisher e-mail API Management requires (it sends service notifications there). */
  readonly publisherEmail: string;
  /**
   * Name of the API Management service: 1-50 letters, digits and hyphens, a letter first, a letter or digit
   * last, globally unique (it becomes `<name>.azure-api.net`).
   * @default - `model-gateway-` and a hash of the stack and this construct's path
   */
  readonly gatewayName?: string;
  /**
   * API Management SKU as `<tier>_<units>`. Basic is the smallest tier with an SLA, the internal cache and
   * rate-limit-by-key (roughly US$150 a month per unit at list price, not checked here: see Azure's pricing page;
   * Developer, roughly US$50, has no SLA; Standard roughly US$700; Premium roughly US$2,800; Consumption has neither internal cache nor
   * rate-limit-by-key and is refused for those). Classic tiers take 30 to 60 minutes to create.
   * @default 'Basic_1'
   */
  readonly skuName?: string;
  /**
   * OpenID Connect discovery document of the JWT issuer. API Management's validate-jwt reads signing keys only
   * from such a document (`<openid-config url>`, which names the JWKS in `jwks_uri`) or from keys written into
   * the policy; it takes no bare JWKS URL.
   * @default - `<jwt.issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0, section 4)
   */
  readonly openIdConfigurationUrl?: string;
  /**
   * Log Analytics workspace (ARM id) for the gateway logs its alerts read.
   * @default - the first route's endpoint's workspace
   */
  readonly logAnalyticsWorkspaceId?: string;
  /** Action groups (ARM ids) the gateway's alerts notify. @default - none; the alerts show in Azure Monitor only */
  readonly alertActionGroupIds?: string[];
}

/** The Azure Monitor metric namespace of API Management services. */
export const APIM_METRIC_NAMESPACE = 'Microsoft.ApiManagement/service';
/** The path of a managed online endpoint's scoring URI (`https://<endpoint>.<region>.inference.ml.azure.com/score`). */
export const AZURE_ML_SCORING_URI_PATH = '/score';
/** The API that holds every route. */
export const GATEWAY_API_NAME = 'models';
/** API Management's own logger for Azure Monitor resource logs (api-management-howto-use-azure-monitor). */
export const APIM_AZURE_MONITOR_LOGGER = 'azuremonitor';
/** The query parameter API Management also accepts keys in; hidden in the logs. */
export const APIM_KEY_QUERY_PARAMETER = 'subscription-key';
/** terraform-provider-azurerm v4.55.0 internal/services/apimanagement/validate/api_management_sku.go */
export const APIM_SKU_PATTERN = /^Consumption_0$|^Basic_(1|2)$|^BasicV2_([1-9]|10)$|^Developer_1$|^Premium_([1-9][0-9]{0,1})$|^PremiumV2_([1-9]|1[0-9]|2[0-9]|30)$|^Standard_[1-4]$|^StandardV2_([1-9]|10)$/;
const APIM_NAME = /^[a-zA-Z](?:[a-zA-Z0-9-]{0,48}[a-zA-Z0-9])?$/;

/** The 5xx share (percent) of the API's requests in the window; 0 without traffic. */
export function gatewayErrorRateQuery(apiName: string): string {
  return [
    'ApiManagementGatewayLogs',
    `| where ApiId == "${apiName}"`,
    '| summarize total = count(), errors = countif(ResponseCode >= 500)',
    '| extend errorRatePercent = iff(total == 0, 0.0, 100.0 * errors / total)',
  ].join('\n');
}

/** End-to-end request time at the gateway (ms, the model included) at the percentile. */
export function gatewayLatencyQuery(percentile: LatencyPercentile, apiName: string): string {
  return [
    'ApiManagementGatewayLogs',
    `| where ApiId == "${apiName}"`,
    `| summarize latencyMs = percentile(TotalTime, ${percentile.quantile * 100})`,
  ].join('\n');
}

/**
 * One front door for several Azure ML endpoints: an Azure API Management service with a system-assigned
 * identity, one API (`models`, at the service root) and one operation per route.
 *
 * Route contract (the same on every target): a client sends `POST <url><route.path>/infer` with an Open
 * Inference Protocol JSON body, the body the bundled server's `/v2/models/<model>/infer` takes, and gets the
 * model's OIP answer. API Management forwards it to the endpoint's scoring URI (`https://<endpoint>.<region>.inference.ml.azure.com/score`),
 * which Azure ML hands to the environment's scoring route; the bundled server answers that route (`POST /score`,
 * runtime/src/http/azure.ts) through `answerAny`, which serves an OIP body exactly as `/v2/models/<m>/infer`
 * does (runtime/src/http/respond.ts). Managed online endpoints expose only that scoring URI, so this is the
 * one hop.
 *
 * Authentication at the gateway: `jwt` becomes validate-jwt (Authorization: Bearer; issuer, audiences, keys from
 * the issuer's OpenID configuration, then the token's algorithm checked against `jwt.algorithms`); `apiKeys`
 * makes the API require an API Management subscription key in `apiKeys.header` and limits each subscription to
 * `requestsPerMinute` with rate-limit-by-key (a sliding 60 s window; API Management documents its counts as
 * approximate, so a warning says so). Keys are subscriptions you create on the API (portal, CLI or REST): the
 * construct creates none, so no key lands in Terraform state. Bodies above `maxRequestBodySize` get 413.
 * Routes with `cache: true` keep 200 answers for `cache.ttl` in the internal cache under a SHA-256 of the
 * body (shared by all callers: only for models whose answer depends on the input alone).
 *
 * To the endpoint: the gateway's own Microsoft Entra token for `https://ml.azure.com`
 * (authentication-managed-identity), which the endpoints accept in `AADToken` mode; the gateway's identity gets
 * only the score action on each endpoint (`endpoint.grantInvoke`). No key of the endpoint is read or stored.
 *
 * Logs and alerts: gateway logs to Log Analytics (no bodies, no headers, the key query parameter hidden); the
 * error-rate and latency alerts of `guardrails` are log alerts over them, notifying `alertActionGroupIds` and any
 * `AlertRouting`, like the endpoints' alerts.
 */
export class ModelGateway extends Construct
  implements IModelGatewayContract<string, RoleAssignment, AzureMetric, MonitorScheduledQueryRulesAlertV2, string> {
  public readonly gatewayName: string;
  /** Base URL (`https://<name>.azure-api.net`); routes hang below it. */
  public readonly url: string;
  public readonly gateway: ResolvedGateway;
  public readonly warnings: SpecWarning[];
  /** The API Management service. */
  public readonly service: ApiManagement;
  public readonly api: ApiManagementApi;
  /** One operation per route, in route order. */
  public readonly operations: ApiManagementApiOperation[];
  /** The score grants of the gateway's identity, one per endpoint. */
  public readonly endpointGrants: RoleAssignment[];
  /** The error-rate and latency alerts from `guardrails`. */
  public readonly alerts: GuardrailAlerts;
  /**
   * Callers are admitted by JWT and subscription keys at the gateway, not by Azure RBAC, so there is nothing
   * to grant to a principal.
   */
  public readonly grantInvoke = NotSupported.because(AZURE_ML_BACKEND,
    'API Management admits callers by JWT (jwt) and subscription keys (apiKeys), not by Azure role assignments; give callers tokens from your issuer or a subscription key');
  private readonly alertActionGroupIds: readonly string[];

  constructor(scope: Construct, id: string, props: ModelGatewayProps) {
    super(scope, id);
    const owner = `ModelGateway ${this.node.path}`;
    const problems = new ProblemCollector();
    problems.addAll(shapeProblems(props, [
      { field: 'routes', kind: 'object', array: true, required: true, example: '[{ endpoint }]' },
      { field: 'resourceGroupName', kind: 'string', required: true, example: "'ml'" },
      { field: 'location', kind: 'string', required: true, example: "'westeurope'" },
      { field: 'publisherName', kind: 'string', required: true, example: "'ML platform'" },
      { field: 'publisherEmail', kind: 'string', required: true, example: "'ml-platform@example.com'" },
    ]));
    // Wrong prop shapes (JavaScript callers) are thrown at once: nothing can be built from them. The rest is reported at synth.
    problems.throwIfAny(owner);

    const gatewayName = props.gatewayName ?? `model-gateway-${shortHash(TerraformStack.of(this).node.id, this.node.path).slice(0, 10)}`;
    const skuName = props.skuName ?? 'Basic_1';
    this.checkServiceProps(props, gatewayName, skuName, problems);
    this.checkRoutes(props.routes, problems);
    const routes: GatewayRouteInput[] = props.routes.map((r) => ({ model: r.endpoint?.serving?.metadata.name, path: r.path, cache: r.cache }));
    const resolution = SpecResolver.gateway(props, routes, AZURE_ML_CAPABILITIES);
    checkGuardrails(resolution.resolved.guardrails, 'guardrails', problems);
    const openIdConfigUrl = this.checkJwtAndSku(props, skuName, resolution.resolved, problems);
    this.gateway = resolution.reportIfInvalid(this, owner, problems);
    this.warnings = [...resolution.warnings, ...this.platformWarnings(this.gateway, openIdConfigUrl)];
    addTextWarnings(Annotations.of(this), this.warnings);

    this.gatewayName = gatewayName;
    this.alertActionGroupIds = [...(props.alertActionGroupIds ?? [])];
    this.service = new ApiManagement(this, 'Resource', {
      name: gatewayName,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      publisherName: props.publisherName,
      publisherEmail: props.publisherEmail,
      skuName,
      identity: { type: 'SystemAssigned' },
    });
    this.url = this.service.gatewayUrl;
    const common = { resourceGroupName: props.resourceGroupName, apiManagementName: this.service.name };
    this.api = this.createApi(common, openIdConfigUrl);
    // With problems reported (synth fails, nothing is written) a route may hold no ModelEndpoint, or there may be
    // none: render no operations or grants then, and no workspace of a first route.
    const valid = problems.count === 0;
    this.operations = valid ? this.createRoutes(props.routes, common, openIdConfigUrl) : [];
    this.endpointGrants = valid ? this.grantEndpoints(props.routes) : [];
    const workspaceId = props.logAnalyticsWorkspaceId ?? (valid ? props.routes[0].endpoint.logAnalyticsWorkspaceId : '');
    this.createLogs(common, workspaceId);
    this.alerts = new GuardrailAlerts(this, 'Alerts', {
      namePrefix: gatewayName,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      logAnalyticsWorkspaceId: workspaceId,
      endpointName: `gateway ${gatewayName}`,
      queries: {
        errorRate: gatewayErrorRateQuery(GATEWAY_API_NAME),
        latency: gatewayLatencyQuery(this.gateway.guardrails.latencyPercentile, GATEWAY_API_NAME),
      },
      guardrails: this.gateway.guardrails,
      actionGroupIds: [...this.alertActionGroupIds],
      tags: {},
      purpose: 'Gateway guardrail',
    });
  }

  /** The gateway's error-rate alert (`alerts.errorRate`). */
  public get errorRateAlarm(): MonitorScheduledQueryRulesAlertV2 {
    return this.alerts.errorRate;
  }

  /** The gateway's latency alert (`alerts.latency`). */
  public get latencyAlarm(): MonitorScheduledQueryRulesAlertV2 {
    return this.alerts.latency;
  }

  /** `alertActionGroupIds`, then the action groups of every AlertRouting whose scope holds this gateway. */
  public get alarmTargets(): string[] {
    return alarmTargetsOf(this, this.alertActionGroupIds);
  }

  /** The contract's latency metric: API Management's `Duration` (overall gateway request time, ms, the backend included). */
  public metricLatency(options?: MetricOptions): AzureMetric {
    return withOptions({ resourceId: this.service.id, namespace: APIM_METRIC_NAMESPACE, metricName: 'Duration', aggregation: 'Average', unit: 'milliseconds' }, options);
  }

  /** Gateway requests; split by the `GatewayResponseCodeCategory` dimension (`5xx`) for errors. */
  public metricRequests(options?: MetricOptions): AzureMetric {
    return withOptions({ resourceId: this.service.id, namespace: APIM_METRIC_NAMESPACE, metricName: 'Requests', aggregation: 'Total', unit: 'count' }, options);
  }

  private checkServiceProps(props: ModelGatewayProps, gatewayName: string, skuName: string, problems: ProblemCollector): void {
    checkLocation(this, 'location', props.location, problems);
    checkResourceGroupName('resourceGroupName', props.resourceGroupName, problems);
    checkArmId('logAnalyticsWorkspaceId', props.logAnalyticsWorkspaceId, ARM_ID_TYPES.logAnalyticsWorkspace, problems);
    (props.alertActionGroupIds ?? []).forEach((g, i) => checkArmId(`alertActionGroupIds[${i}]`, g, ARM_ID_TYPES.actionGroup, problems));
    if (!isUnresolved(gatewayName) && !APIM_NAME.test(gatewayName)) {
      problems.add({ field: 'gatewayName', given: describe(gatewayName), allowed: '1-50 letters, digits and hyphens, a letter first and a letter or digit last (API Management service names; globally unique)', fix: 'e.g. "acme-models-prod"' });
    }
    if (!isUnresolved(skuName) && !APIM_SKU_PATTERN.test(skuName)) {
      problems.add({ field: 'skuName', given: describe(skuName), allowed: 'Developer_1, Basic_1-2, BasicV2_1-10, Standard_1-4, StandardV2_1-10, Premium_1-99, PremiumV2_1-30 or Consumption_0 (the azurerm provider\'s list)', fix: 'e.g. "Basic_1"' });
    }
    if (!isUnresolved(props.publisherEmail) && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(props.publisherEmail)) {
      problems.add({ field: 'publisherEmail', given: describe(props.publisherEmail), allowed: 'an e-mail address', fix: 'e.g. "ml-platform@example.com"' });
    }
    if (!isUnresolved(props.publisherName) && !/^.{1,100}$/.test(props.publisherName)) {
      problems.add({ field: 'publisherName', given: describe(props.publisherName), allowed: '1 to 100 characters (API Management)', fix: 'e.g. "ML platform"' });
    }
    if (props.accessLogs === false) {
      problems.add(refusal(AZURE_ML_CAPABILITIES, 'accessLogs', 'false', 'gateway logs on: the gateway\'s error-rate and latency alerts are log alerts over them (Azure metric alerts cannot divide or take percentiles)',
        'remove accessLogs: false (the logs hold no bodies, headers or keys)'));
    }
  }

  private checkRoutes(routes: readonly ModelGatewayRoute[], problems: ProblemCollector): void {
    routes.forEach((r, i) => {
      if (!(r?.endpoint instanceof ModelEndpoint)) {
        problems.add({ field: `routes[${i}].endpoint`, given: describe(r?.endpoint), allowed: 'a ModelEndpoint of this library (model-serving-constructs/azure)', fix: 'pass the ModelEndpoint construct that serves the model' });
        return;
      }
      if (r.endpoint.authMode !== EndpointAuthMode.ENTRA_TOKEN) {
        problems.add(refusal(AZURE_ML_CAPABILITIES, `routes[${i}].endpoint`, `${r.endpoint.node.path} with authMode ${r.endpoint.authMode.armValue}`,
          'endpoints in AADToken mode: the gateway calls them with its managed identity\'s Microsoft Entra token, never with a static key',
          'leave the endpoint\'s authMode at EndpointAuthMode.ENTRA_TOKEN (the default)'));
      }
      if (!r.endpoint.publicNetworkAccess) {
        problems.add(refusal(AZURE_ML_CAPABILITIES, `routes[${i}].endpoint`, `${r.endpoint.node.path} with publicNetworkAccess false`,
          'endpoints that accept public scoring traffic: an API Management service outside a virtual network reaches only public endpoints',
          'leave publicNetworkAccess on (the endpoint still needs the gateway\'s Entra token), or put both in your own virtual network and front them yourself'));
      }
    });
  }

  /** The OpenID configuration URL, and the SKU's refusals. */
  private checkJwtAndSku(props: ModelGatewayProps, skuName: string, g: ResolvedGateway, problems: ProblemCollector): string | undefined {
    const consumption = /^Consumption_/.test(skuName);
    if (consumption && props.apiKeys) {
      problems.add(refusal(AZURE_ML_CAPABILITIES, 'apiKeys.requestsPerMinute', `${g.apiKeys?.requestsPerMinute}/min on ${skuName}`, 'rate-limit-by-key in Developer, Basic, Standard, Premium and the v2 tiers, not Consumption (rate-limit-by-key-policy)', 'use skuName "Basic_1" or larger'));
    }
    if (consumption && g.routes.some((r) => r.cache)) {
      problems.add(refusal(AZURE_ML_CAPABILITIES, 'cache', `a cache on ${skuName}`, 'the internal cache in every tier but Consumption (api-management-howto-cache, "Availability")', 'use skuName "Basic_1" or larger, or remove cache'));
    }
    if (!props.jwt) {
      if (props.openIdConfigurationUrl !== undefined) {
        problems.add({ field: 'openIdConfigurationUrl', given: describe(props.openIdConfigurationUrl), allowed: 'only with jwt', fix: 'remove openIdConfigurationUrl, or set jwt' });
      }
      return undefined;
    }
    const issuer = props.jwt.issuer;
    let url = props.openIdConfigurationUrl;
    if (url === undefined && typeof issuer === 'string' && !isUnresolved(issuer)) {
      if (/^https:\/\//.test(issuer)) {
        url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      } else {
        problems.add({ field: 'openIdConfigurationUrl', given: `nothing, with an issuer that is not an https URL (${describe(issuer)})`, allowed: 'the https URL of the issuer\'s OpenID Connect discovery document (validate-jwt reads keys only from one)', fix: 'set openIdConfigurationUrl, e.g. "https://login.example.com/.well-known/openid-configuration"' });
      }
    } else if (url !== undefined && !isUnresolved(url)) {
      let ok = false;
      try {
        const u = new URL(url);
        ok = u.protocol === 'https:' && !u.username && !u.password && u.hash === '';
      } catch {
        ok = false;
      }
      if (!ok) problems.add({ field: 'openIdConfigurationUrl', given: describe(url), allowed: 'an https URL without credentials or fragment', fix: 'e.g. "https://login.example.com/.well-known/openid-configuration"' });
    }
    return url;
  }

  private platformWarnings(g: ResolvedGateway, openIdConfigUrl: string | undefined): SpecWarning[] {
    const w: SpecWarning[] = [];
    if (g.jwt) {
      w.push({ field: 'jwt.jwksUri', message: `API Management reads the signing keys from the OpenID configuration ${openIdConfigUrl} (its jwks_uri), not from jwksUri ${g.jwt.jwksUri} directly; the two must name the same key set. It refreshes them hourly (validate-jwt-policy, openid-config).` });
    }
    if (g.apiKeys) {
      w.push({ field: 'apiKeys.requestsPerMinute', message: `${g.apiKeys.requestsPerMinute} requests per sliding 60 s window per subscription key, approximately: API Management counts in a distributed way and documents rate limits as never completely accurate (rate-limit-by-key-policy).` });
    }
    if (g.routes.some((r) => r.cache)) {
      w.push({ field: 'cache', message: 'POST answers are kept with cache-store-value under a hash of the body; the policy reference also says API Management "only caches responses to HTTP GET requests" (cache-store-value-policy, usage notes), which describes response caching (cache-store): check a cached route once after deployment (a second identical request should show Cache "hit" in ApiManagementGatewayLogs).' });
    }
    return w;
  }

  private createApi(common: { resourceGroupName: string; apiManagementName: string }, openIdConfigUrl: string | undefined): ApiManagementApi {
    const g = this.gateway;
    const api = new ApiManagementApi(this, 'Api', {
      ...common,
      name: GATEWAY_API_NAME,
      revision: '1',
      displayName: 'Models',
      // At the service root: each operation's URL template is the route's whole path.
      path: '',
      protocols: ['https'],
      subscriptionRequired: g.apiKeys !== undefined,
      subscriptionKeyParameterNames: g.apiKeys ? { header: g.apiKeys.header, query: APIM_KEY_QUERY_PARAMETER } : undefined,
    });
    new ApiManagementApiPolicy(this, 'ApiPolicy', {
      ...common,
      apiName: api.name,
      xmlContent: renderPolicy(apiPolicy({ gateway: g, openIdConfigUrl })),
    });
    return api;
  }

  private createRoutes(routes: readonly ModelGatewayRoute[], common: { resourceGroupName: string; apiManagementName: string }, openIdConfigUrl: string | undefined): ApiManagementApiOperation[] {
    const used = new Set<string>();
    // The path of every managed online endpoint's scoring URI; Azure ML forwards it to the environment's scoring
    // route (the server's SERVER_ENV.scoringRoute, set in model-endpoint.ts).
    const scoringPath = AZURE_ML_SCORING_URI_PATH;
    return this.gateway.routes.map((route, i) => {
      const endpoint = routes[i].endpoint;
      let operationId = `infer-${route.model.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')}`.slice(0, 72).replace(/-+$/, '');
      if (used.has(operationId)) operationId = `${operationId}-${i}`;
      used.add(operationId);
      const operation = new ApiManagementApiOperation(this, `Route${i}`, {
        ...common,
        apiName: this.api.name,
        operationId,
        displayName: `Infer ${route.model}`,
        method: 'POST',
        urlTemplate: `${route.path}/infer`,
        description: `Open Inference Protocol inference on ${route.model} (Azure ML endpoint ${endpoint.endpointName})`,
      });
      new ApiManagementApiOperationPolicy(this, `Route${i}Policy`, {
        ...common,
        apiName: this.api.name,
        operationId: operation.operationId,
        xmlContent: renderPolicy(operationPolicy({
          gateway: this.gateway,
          route,
          backendBaseUrl: Fn.trimsuffix(endpoint.endpoint.scoringUri, scoringPath),
          scoringPath,
          openIdConfigUrl,
        })),
      });
      return operation;
    });
  }

  private grantEndpoints(routes: readonly ModelGatewayRoute[]): RoleAssignment[] {
    const seen = new Set<ModelEndpoint>();
    const grants: RoleAssignment[] = [];
    for (const { endpoint } of routes) {
      if (seen.has(endpoint)) continue;
      seen.add(endpoint);
      // The API Management service's identity is created in the same apply: a service principal, said so.
      grants.push(endpoint.grantInvoke(this.service.identity.principalId, 'ServicePrincipal'));
    }
    return grants;
  }

  private createLogs(common: { resourceGroupName: string; apiManagementName: string }, workspaceId: string): void {
    new MonitorDiagnosticSetting(this, 'GatewayLogs', {
      name: 'gateway-logs',
      targetResourceId: this.service.id,
      logAnalyticsWorkspaceId: workspaceId,
      // Resource-specific table ApiManagementGatewayLogs (the alerts' queries read it).
      logAnalyticsDestinationType: 'Dedicated',
      enabledLog: [{ category: 'GatewayLogs' }],
    });
    const noContent = { bodyBytes: 0, headersToLog: [] };
    new ApiManagementApiDiagnostic(this, 'AccessLogSettings', {
      ...common,
      apiName: this.api.name,
      identifier: 'azuremonitor',
      apiManagementLoggerId: `${this.service.id}/loggers/${APIM_AZURE_MONITOR_LOGGER}`,
      samplingPercentage: 100,
      alwaysLogErrors: true,
      logClientIp: true,
      verbosity: 'information',
      frontendRequest: { ...noContent, dataMasking: { queryParams: [{ mode: 'Hide', value: APIM_KEY_QUERY_PARAMETER }] } },
      frontendResponse: noContent,
      backendRequest: { ...noContent, dataMasking: { queryParams: [{ mode: 'Hide', value: APIM_KEY_QUERY_PARAMETER }] } },
      backendResponse: noContent,
    });
  }
}
