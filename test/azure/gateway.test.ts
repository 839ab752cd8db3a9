// ModelGateway on Azure: API Management in front of Azure ML endpoints. Output is checked against the receivers'
// own rules: the azurerm provider's validators (support/apim-rules.ts), the API Management policy reference for
// every policy element and attribute (ATTRIBUTES below), Microsoft's Kusto analyzer with the
// ApiManagementGatewayLogs schema for the alert queries, and the azapi type graph for the endpoints' bodies.
import { DOMParser, Element } from '@xmldom/xmldom';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { Duration, LatencyPercentile, NotSupported, SpecValidationError } from '../../lib';
import {
  APIM_GATEWAY_CAPABILITIES,
  AlertRouting,
  EndpointAuthMode,
  ModelEndpoint,
  ModelGateway,
  ModelGatewayProps,
  SCORE_ACTION,
} from '../../constructs/azure';
import { analyzeKql } from '../support/kql';
import { apimProviderProblems } from './support/apim-rules';
import { baseProps } from './support/fixtures';
import { TfJson, resourcesOf, schemaProblems, synth } from './support/synth';
import { expectProblems } from '../support/expect-problems';

type Json = Record<string, any>;

const JWT = { issuer: 'https://login.example.com/', audiences: ['https://api.example.com'], jwksUri: 'https://login.example.com/.well-known/jwks.json', algorithms: ['RS256' as const] };
const GROUP = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Insights/actionGroups/oncall';

function endpoints(scope: Construct, names = ['cnn', 'fraud', 'sentiment'], overrides: Json = {}): ModelEndpoint[] {
  return names.map((m) => new ModelEndpoint(scope, m, baseProps({ metadata: { name: m, version: '1.0.0', owner: 'ml-platform' }, ...overrides })));
}

function gatewayProps(eps: ModelEndpoint[], overrides: Partial<ModelGatewayProps> = {}): ModelGatewayProps {
  return {
    resourceGroupName: 'rg-ml',
    location: 'westeurope',
    publisherName: 'ML platform',
    publisherEmail: 'ml-platform@example.com',
    routes: eps.map((endpoint) => ({ endpoint, cache: endpoint.serving.metadata.name === 'fraud' })),
    jwt: JWT,
    apiKeys: { requestsPerMinute: 100 },
    cache: { ttl: Duration.minutes(5) },
    ...overrides,
  };
}

/** The seeds' platform: cnn, fraud and sentiment under /api/v1/<model>, JWT and 100/min per key, fraud cached. */
function seeds(overrides: Partial<ModelGatewayProps> = {}) {
  let gw: ModelGateway | undefined;
  const out = synth((s) => {
    gw = new ModelGateway(s, 'Gateway', gatewayProps(endpoints(s), overrides));
    new TerraformOutput(s, 'Url', { value: gw.url });
  });
  return { ...out, gw: gw! };
}

/** The gateway is built and the synth (with the constructs' validations) fails listing the problem. */
function expectProblem(build: (s: Construct) => void, message: RegExp): void {
  expectProblems(() => synth(build), message);
}

/** Wrong prop shapes (JavaScript callers) are thrown at once, as a SpecValidationError: nothing can be built from them. */
function expectProblemAtOnce(build: (s: Construct) => void, message: RegExp): void {
  let error: unknown;
  try {
    synth(build);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SpecValidationError);
  expect((error as Error).message).toMatch(message);
}

const one = (tf: TfJson, type: string): Json => {
  const all = Object.values(resourcesOf(tf, type));
  expect(all).toHaveLength(1);
  return all[0];
};
/** A policy as API Management receives it: Terraform has replaced each `${...}` interpolation by its value. */
const TF_VALUE = 'https://cnn-0a7ede47.westeurope.inference.ml.azure.com';
const xml = (text: string): Element => {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level: string, msg: string) => errors.push(`${level}: ${msg}`) }).parseFromString(text.replace(/\$\{[^}]*\}/g, TF_VALUE), 'text/xml');
  expect(errors).toEqual([]);
  return doc.documentElement as unknown as Element;
};
const elements = (root: Element, name: string): Element[] => Array.from(root.getElementsByTagName(name) as unknown as ArrayLike<Element>);
const attrs = (e: Element): Record<string, string> => Object.fromEntries(Array.from(e.attributes as unknown as ArrayLike<{ name: string; value: string }>).map((a) => [a.name, a.value]));
const children = (e: Element): Element[] => Array.from(e.childNodes as unknown as ArrayLike<Element>).filter((n) => n.nodeType === 1);

/**
 * Every element and attribute a policy of ours may use, as the API Management policy reference documents them
 * (learn.microsoft.com/azure/api-management/<name>-policy; MicrosoftDocs/azure-docs articles/api-management):
 * validate-jwt-policy.md (commit 01e7c604), rate-limit-by-key-policy, cache-lookup-value-policy.md (09ceb1fb),
 * cache-store-value-policy.md (03e5750a), set-backend-service-policy.md (156b59bf), rewrite-uri-policy.md
 * (13de5cba), authentication-managed-identity-policy.md (00771b6d), choose-policy, return-response-policy,
 * set-status-policy, set-header-policy, set-body-policy, set-variable-policy, api-management-howto-policies
 * (policies/inbound/backend/outbound/on-error/base).
 */
const ATTRIBUTES: Record<string, readonly string[]> = {
  'policies': [], 'inbound': [], 'backend': [], 'outbound': [], 'on-error': [], 'base': [],
  'validate-jwt': ['header-name', 'query-parameter-name', 'token-value', 'failed-validation-httpcode', 'failed-validation-error-message', 'require-expiration-time', 'require-scheme', 'require-signed-tokens', 'clock-skew', 'output-token-variable-name'],
  'openid-config': ['url'], 'audiences': [], 'audience': [], 'issuers': [], 'issuer': [], 'required-claims': [], 'claim': ['name', 'match', 'separator'], 'value': [],
  'rate-limit-by-key': ['calls', 'renewal-period', 'increment-condition', 'increment-count', 'counter-key', 'retry-after-header-name', 'retry-after-variable-name', 'remaining-calls-header-name', 'remaining-calls-variable-name', 'total-calls-header-name'],
  'cache-lookup-value': ['key', 'default-value', 'variable-name', 'caching-type'],
  'cache-store-value': ['key', 'value', 'duration', 'caching-type'],
  'set-backend-service': ['base-url', 'backend-id', 'sf-resolve-condition', 'sf-service-instance-name', 'sf-partition-key', 'sf-listener-name'],
  'rewrite-uri': ['template', 'copy-unmatched-params'],
  'authentication-managed-identity': ['resource', 'client-id', 'output-token-variable-name', 'ignore-error'],
  'choose': [], 'when': ['condition'], 'otherwise': [],
  'return-response': ['response-variable-name'], 'set-status': ['code', 'reason'], 'set-header': ['name', 'exists-action'], 'set-body': ['template', 'xsi-nil', 'parse-date'],
  'set-variable': ['name', 'value'],
};
/** Where each policy may stand (the "Policy sections" line of each reference page). */
const SECTIONS: Record<string, readonly string[]> = {
  'validate-jwt': ['inbound'], 'rate-limit-by-key': ['inbound'], 'rewrite-uri': ['inbound'], 'authentication-managed-identity': ['inbound'],
  'set-backend-service': ['inbound', 'backend'], 'cache-lookup-value': ['inbound', 'outbound', 'backend', 'on-error'], 'cache-store-value': ['inbound', 'outbound', 'backend', 'on-error'],
};

/** Undocumented elements or attributes, and policies outside their sections. */
function policyProblems(root: Element): string[] {
  const problems: string[] = [];
  const walk = (e: Element, section: string | undefined) => {
    const allowed = ATTRIBUTES[e.tagName];
    if (!allowed) problems.push(`<${e.tagName}> is not a documented policy element`);
    for (const a of Object.keys(attrs(e))) if (allowed && !allowed.includes(a)) problems.push(`<${e.tagName} ${a}> is not a documented attribute`);
    if (SECTIONS[e.tagName] && !SECTIONS[e.tagName].includes(section!)) problems.push(`<${e.tagName}> in <${section}>, allowed in ${SECTIONS[e.tagName].join(', ')}`);
    for (const c of children(e)) walk(c, ['inbound', 'backend', 'outbound', 'on-error'].includes(e.tagName) ? e.tagName : section);
  };
  walk(root, undefined);
  return problems;
}

// Azure Monitor Logs table reference, ApiManagementGatewayLogs (learn.microsoft.com/azure/azure-monitor/reference/tables/ApiManagementGatewayLogs): the columns the queries use and a few neighbours, with their types.
const GATEWAY_LOGS = { ApiManagementGatewayLogs: '(TimeGenerated:datetime, ApiId:string, OperationId:string, ApimSubscriptionId:string, ResponseCode:int, BackendResponseCode:int, TotalTime:long, BackendTime:long, Cache:string, IsRequestSuccess:bool, Method:string, Url:string, CallerIpAddress:string)' };

describe('the seeds\' gateway: cnn, fraud and sentiment under /api/v1/<model>, JWT, 100/min per key', () => {
  const { json, tf, gw } = seeds();
  const apiPolicy = () => xml(one(tf, 'azurerm_api_management_api_policy').xml_content);
  const opPolicies = () => Object.values(resourcesOf(tf, 'azurerm_api_management_api_operation_policy')).map((p) => xml(p.xml_content));

  test('passes the azurerm provider\'s validators and Azure\'s schema for every azapi body', () => {
    expect(apimProviderProblems(tf)).toEqual([]);
    expect(schemaProblems(tf)).toEqual([]);
  });

  test('one API Management service (Basic_1) with a system-assigned identity; the URL is its gateway URL', () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: 'azurerm_api_management' } as never, {
      sku_name: 'Basic_1',
      identity: { type: 'SystemAssigned' },
      publisher_email: 'ml-platform@example.com',
      location: 'westeurope',
    });
    expect((tf as Json).output.Url.value).toMatch(/^\$\{azurerm_api_management\.Gateway_[0-9A-F]+\.gateway_url\}$/);
    expect(gw.gatewayName).toMatch(/^model-gateway-[0-9a-f]{10}$/);
  });

  test('one API at the service root, HTTPS only, subscription keys in x-api-key; one POST operation per route at <path>/infer', () => {
    const api = one(tf, 'azurerm_api_management_api');
    expect(api).toMatchObject({ name: 'models', path: '', protocols: ['https'], subscription_required: true, subscription_key_parameter_names: { header: 'x-api-key', query: 'subscription-key' } });
    const ops = Object.values(resourcesOf(tf, 'azurerm_api_management_api_operation'));
    expect(ops.map((o) => [o.operation_id, o.method, o.url_template])).toEqual([
      ['infer-cnn', 'POST', '/api/v1/cnn/infer'],
      ['infer-fraud', 'POST', '/api/v1/fraud/infer'],
      ['infer-sentiment', 'POST', '/api/v1/sentiment/infer'],
    ]);
    expect(gw.gateway.routes.map((r) => r.path)).toEqual(['/api/v1/cnn', '/api/v1/fraud', '/api/v1/sentiment']);
  });

  test('every policy is well-formed XML and uses only documented elements and attributes, each in its section', () => {
    for (const root of [apiPolicy(), ...opPolicies()]) expect(policyProblems(root)).toEqual([]);
    // Terraform interpolates "${...}" and "%{...}" in every string: the only interpolation is the backend URL.
    const texts = [one(tf, 'azurerm_api_management_api_policy'), ...Object.values(resourcesOf(tf, 'azurerm_api_management_api_operation_policy'))].map((p) => String(p.xml_content));
    for (const t of texts) {
      expect(t).not.toContain('%{');
      expect(t.match(/\$\{[^}]*\}/g) ?? []).toEqual(t.includes('set-backend-service') ? [expect.stringMatching(/^\$\{trimsuffix\(azapi_resource\.[^.]+\.output\.properties\.scoringUri, "\/score"\)\}$/)] : []);
    }
  });

  test('the policy check can fail: an undocumented attribute, element and section are reported', () => {
    const bad = xml('<policies><outbound><validate-jwt jwks-uri="https://x" header-name="Authorization" /><rate-limit-by-key calls="1" renewal-period="60" counter-key="k" /></outbound><inbound><jwks /></inbound></policies>');
    expect(policyProblems(bad)).toEqual([
      '<validate-jwt jwks-uri> is not a documented attribute',
      '<validate-jwt> in <outbound>, allowed in inbound',
      '<rate-limit-by-key> in <outbound>, allowed in inbound',
      '<jwks> is not a documented policy element',
    ]);
  });

  test('JWT: validate-jwt with the issuer\'s OpenID configuration, audiences and issuer; then the algorithm checked (401)', () => {
    const jwt = elements(apiPolicy(), 'validate-jwt');
    expect(jwt).toHaveLength(1);
    expect(attrs(jwt[0])).toEqual({
      'header-name': 'Authorization', 'require-scheme': 'Bearer', 'failed-validation-httpcode': '401',
      'failed-validation-error-message': 'Unauthorized: a valid bearer token is required.', 'require-expiration-time': 'true',
      'require-signed-tokens': 'true', 'output-token-variable-name': 'jwt',
    });
    expect(attrs(elements(jwt[0], 'openid-config')[0]).url).toBe('https://login.example.com/.well-known/openid-configuration');
    expect(elements(jwt[0], 'audience').map((a) => a.textContent)).toEqual(['https://api.example.com']);
    expect(elements(jwt[0], 'issuer').map((a) => a.textContent)).toEqual(['https://login.example.com/']);
    const algCheck = elements(apiPolicy(), 'when').map((w) => attrs(w).condition).find((c) => c.includes('Algorithm'));
    // Jwt.Algorithm: api-management-policy-expressions, "Context variable" table.
    expect(algCheck).toBe('@(!new [] { "RS256" }.Contains(((Jwt)context.Variables["jwt"]).Algorithm))');
  });

  test('per key: rate-limit-by-key, 100 calls per 60 s, one counter per subscription; the key header is not forwarded', () => {
    const limit = elements(apiPolicy(), 'rate-limit-by-key');
    expect(limit.map(attrs)).toEqual([{ calls: '100', 'renewal-period': '60', 'counter-key': '@(context.Subscription.Id)' }]);
    const removed = elements(apiPolicy(), 'set-header').filter((h) => attrs(h)['exists-action'] === 'delete').map((h) => attrs(h).name);
    expect(removed).toEqual(['x-api-key']);
    // The order the spec asks: authenticate, count, then read the body.
    const inbound = children(elements(apiPolicy(), 'inbound')[0]).map((e) => e.tagName);
    expect(inbound).toEqual(['base', 'validate-jwt', 'choose', 'rate-limit-by-key', 'choose', 'set-header']);
  });

  test('request size: 413 above 6 MiB, by Content-Length or the body read', () => {
    const when = elements(apiPolicy(), 'when').find((w) => attrs(w).condition.includes('Content-Length'))!;
    expect(attrs(when).condition).toBe('@(long.Parse(context.Request.Headers.GetValueOrDefault("Content-Length", "0")) > 6291456 || (context.Request.Body != null && context.Request.Body.As<byte[]>(preserveContent: true).Length > 6291456))');
    expect(attrs(elements(when, 'set-status')[0])).toEqual({ code: '413', reason: 'Payload Too Large' });
    expect(JSON.parse(elements(when, 'set-body')[0].textContent!)).toEqual({ error: 'request body above 6291456 bytes' });
  });

  test('each route goes to its endpoint\'s scoring URI with the gateway\'s Entra token for https://ml.azure.com', () => {
    const eps = Object.entries(resourcesOf(tf, 'azapi_resource')).filter(([, r]) => r.type.startsWith('Microsoft.MachineLearningServices/workspaces/onlineEndpoints@')).map(([name]) => name);
    expect(eps).toHaveLength(3);
    const raw = Object.values(resourcesOf(tf, 'azurerm_api_management_api_operation_policy')).map((p) => String(p.xml_content));
    opPolicies().forEach((p, i) => {
      // The base URL is the scoring URI without its path, evaluated by Terraform.
      expect(raw[i]).toContain(`<set-backend-service base-url="\${trimsuffix(azapi_resource.${eps[i]}.output.properties.scoringUri, "/score")}" />`);
      expect(attrs(elements(p, 'set-backend-service')[0])).toEqual({ 'base-url': TF_VALUE });
      expect(attrs(elements(p, 'rewrite-uri')[0])).toEqual({ template: '/score', 'copy-unmatched-params': 'false' });
      expect(attrs(elements(p, 'authentication-managed-identity')[0])).toEqual({ resource: 'https://ml.azure.com' });
    });
  });

  test('cache: only the fraud route, keyed on the model and a SHA-256 of the body, 200 answers kept 300 s in the internal cache', () => {
    const [cnn, fraud, sentiment] = opPolicies();
    expect(elements(cnn, 'cache-lookup-value')).toHaveLength(0);
    expect(elements(sentiment, 'cache-store-value')).toHaveLength(0);
    const key = attrs(elements(fraud, 'set-variable')[0]);
    expect(key).toEqual({ name: 'cacheKey', value: '@("fraud:" + Convert.ToBase64String(System.Security.Cryptography.SHA256.Create().ComputeHash(context.Request.Body?.As<byte[]>(preserveContent: true) ?? new byte[0])))' });
    expect(attrs(elements(fraud, 'cache-lookup-value')[0])).toEqual({ key: '@((string)context.Variables["cacheKey"])', 'variable-name': 'cachedAnswer', 'caching-type': 'internal' });
    const store = elements(fraud, 'cache-store-value')[0];
    expect(attrs(store)).toEqual({ key: '@((string)context.Variables["cacheKey"])', value: '@(context.Response.Body.As<string>(preserveContent: true))', duration: '300', 'caching-type': 'internal' });
    expect(attrs(store.parentNode as Element).condition).toBe('@(context.Response.StatusCode == 200)');
  });

  // principal_type: hashicorp/terraform-provider-azurerm (mirror 69697b7fe6a923fc89e88f386bc95c3ed1ee2ec6)
  // internal/services/authorization/role_assignment_resource.go: Optional, ForceNew, one of User, Group,
  // ServicePrincipal; sent as the assignment's principalType. The APIM identity is created in the same apply:
  // Microsoft, "Assign Azure roles using the REST API" (learn.microsoft.com/azure/role-based-access-control/role-assignments-rest)
  // covers assigning a role to a new service principal with principalType set (API 2018-09-01-preview or later).
  test('the gateway\'s identity gets only the score action, on each of the three endpoints, as a ServicePrincipal', () => {
    const assignments = Object.values(resourcesOf(tf, 'azurerm_role_assignment')).filter((a) => /azurerm_api_management\.Gateway_/.test(a.principal_id));
    expect(assignments).toHaveLength(3);
    const roles = resourcesOf(tf, 'azurerm_role_definition');
    for (const a of assignments) {
      expect(a.principal_type).toBe('ServicePrincipal');
      expect(a.principal_id).toMatch(/^\$\{azurerm_api_management\.Gateway_[0-9A-F]+\.identity\[0\]\.principal_id\}$/);
      expect(a.scope).toMatch(/^\$\{azapi_resource\.(cnn|fraud|sentiment)_[0-9A-F]+\.id\}$/);
      const role = roles[/azurerm_role_definition\.([^.]+)\./.exec(a.role_definition_id)![1]];
      expect(role.permissions).toEqual([{ actions: [SCORE_ACTION] }]);
    }
    expect(gw.endpointGrants).toHaveLength(3);
  });

  test('access logs: gateway logs to Log Analytics (resource-specific table), no bodies, no headers, the key query parameter hidden', () => {
    const setting = Object.values(resourcesOf(tf, 'azurerm_monitor_diagnostic_setting')).find((d) => /azurerm_api_management/.test(d.target_resource_id))!;
    expect(setting).toMatchObject({ enabled_log: [{ category: 'GatewayLogs' }], log_analytics_destination_type: 'Dedicated' });
    expect(setting.log_analytics_workspace_id).toMatch(/azurerm_log_analytics_workspace\.cnn_Workspace_/);
    const diag = one(tf, 'azurerm_api_management_api_diagnostic');
    expect(diag.identifier).toBe('azuremonitor');
    expect(diag.api_management_logger_id).toMatch(/\/loggers\/azuremonitor$/);
    for (const part of ['frontend_request', 'frontend_response', 'backend_request', 'backend_response']) {
      expect(diag[part]).toMatchObject({ body_bytes: 0, headers_to_log: [] });
    }
    expect(diag.frontend_request.data_masking).toEqual({ query_params: [{ mode: 'Hide', value: 'subscription-key' }] });
  });

  test('alerts: error rate and p99 latency from the guardrails, as log alerts over the gateway logs that Kusto accepts', () => {
    const rules = Object.values(resourcesOf(tf, 'azurerm_monitor_scheduled_query_rules_alert_v2')).filter((r) => r.name.startsWith(gw.gatewayName));
    expect(rules).toHaveLength(2);
    const [errorRate, latency] = rules;
    expect([errorRate.criteria[0].threshold, latency.criteria[0].threshold, latency.window_duration, latency.criteria[0].failing_periods.minimum_failing_periods_to_trigger_alert])
      .toEqual([1, 1000, 'PT1M', 3]);
    expect(latency.criteria[0].query).toContain('percentile(TotalTime, 99)');
    for (const r of rules) {
      expect(r.criteria[0].query).toMatch(/^ApiManagementGatewayLogs\n\| where ApiId == "models"\n/);
      expect(analyzeKql(r.criteria[0].query, GATEWAY_LOGS).diagnostics).toEqual([]);
    }
    expect(analyzeKql(errorRate.criteria[0].query, GATEWAY_LOGS).columns).toContain('errorRatePercent:real');
    expect(analyzeKql(latency.criteria[0].query, GATEWAY_LOGS).columns).toEqual(['latencyMs:long']);
    // The check can fail: a column of another table.
    expect(analyzeKql('ApiManagementGatewayLogs | summarize percentile(TotalDurationMs, 99)', GATEWAY_LOGS).diagnostics).not.toEqual([]);
  });

  test('warnings say what API Management approximates or reads elsewhere', () => {
    expect(gw.warnings.map((w) => w.field)).toEqual(['jwt.jwksUri', 'apiKeys.requestsPerMinute', 'cache']);
    expect(gw.warnings[1].message).toMatch(/sliding 60 s window per subscription key, approximately/);
    const texts = gw.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
    expect(texts).toContainEqual(expect.stringMatching(/^model-serving:jwt\.jwksUri: API Management reads the signing keys from the OpenID configuration https:\/\/login\.example\.com\/\.well-known\/openid-configuration/));
  });
});

describe('snapshot', () => {
  test('the gateway\'s own resources: one route, API keys only', () => {
    const { tf } = synth((s) => {
      const eps = endpoints(s, ['cnn']);
      new ModelGateway(s, 'Gateway', { ...gatewayProps(eps), routes: [{ endpoint: eps[0] }], jwt: undefined, cache: undefined });
    });
    const own = Object.fromEntries(Object.entries(tf.resource).map(([type, byName]) =>
      [type, Object.fromEntries(Object.entries(byName).filter(([name]) => name.startsWith('Gateway_') || (type === 'azurerm_role_assignment' && name.includes('ScoreInvoke'))))]).filter(([, v]) => Object.keys(v).length > 0));
    expect(own).toMatchSnapshot();
  });
});

describe('contract members', () => {
  test('metricLatency is API Management\'s Duration; grantInvoke is NotSupported; alarm targets include AlertRouting', () => {
    const { tf } = synth((s) => {
      new AlertRouting(s, 'Routing', { alertTarget: [GROUP] });
      const gw = new ModelGateway(s, 'Gateway', gatewayProps(endpoints(s, ['cnn']), { alertActionGroupIds: [GROUP.replace('oncall', 'ml')] }));
      new TerraformOutput(s, 'Metric', { value: gw.metricLatency() });
      expect(gw.metricLatency()).toMatchObject({ namespace: 'Microsoft.ApiManagement/service', metricName: 'Duration', aggregation: 'Average', unit: 'milliseconds' });
      expect(NotSupported.is(gw.grantInvoke)).toBe(true);
      expect(String(gw.grantInvoke)).toMatch(/^not supported on Azure ML: API Management admits callers by JWT/);
      expect(gw.alarmTargets).toEqual([GROUP.replace('oncall', 'ml'), GROUP]);
      expect(gw.errorRateAlarm).toBe(gw.alerts.errorRate);
    });
    expect((tf as Json).output.Metric.value.resourceId).toMatch(/^\$\{azurerm_api_management\.Gateway_[0-9A-F]+\.id\}$/);
  });

});

describe('options', () => {
  test('JWT only with modelsClaim: the API needs no key, and each operation re-validates the token with the model in the claim (403)', () => {
    const { tf } = synth((s) => {
      const eps = endpoints(s, ['cnn', 'fraud']);
      new ModelGateway(s, 'Gateway', { ...gatewayProps(eps), routes: eps.map((endpoint) => ({ endpoint })), apiKeys: undefined, cache: undefined, jwt: { ...JWT, modelsClaim: 'models' } });
    });
    expect(one(tf, 'azurerm_api_management_api')).toMatchObject({ subscription_required: false });
    expect(one(tf, 'azurerm_api_management_api').subscription_key_parameter_names).toBeUndefined();
    expect(elements(xml(one(tf, 'azurerm_api_management_api_policy').xml_content), 'rate-limit-by-key')).toHaveLength(0);
    const ops = Object.values(resourcesOf(tf, 'azurerm_api_management_api_operation_policy')).map((p) => xml(p.xml_content));
    ops.forEach((p, i) => {
      expect(policyProblems(p)).toEqual([]);
      const v = elements(p, 'validate-jwt')[0];
      expect(attrs(v)['failed-validation-httpcode']).toBe('403');
      expect(attrs(elements(v, 'claim')[0])).toEqual({ name: 'models', match: 'any', separator: ' ' });
      expect(elements(v, 'value').map((x) => x.textContent)).toEqual([['cnn', 'fraud'][i]]);
    });
  });

  test('custom paths, header, limit, body size, SKU and OpenID configuration', () => {
    const { tf } = synth((s) => {
      const [a] = endpoints(s, ['cnn']);
      new ModelGateway(s, 'Gateway', {
        ...gatewayProps([a]),
        routes: [{ endpoint: a, path: '/vision/cnn' }],
        apiKeys: { header: 'x-client-key', requestsPerMinute: 600 },
        maxRequestBodySize: undefined,
        skuName: 'StandardV2_1',
        gatewayName: 'acme-models-prod',
        openIdConfigurationUrl: 'https://idp.example.com/tenant/.well-known/openid-configuration',
        cache: undefined,
      });
    });
    expect(apimProviderProblems(tf)).toEqual([]);
    expect(one(tf, 'azurerm_api_management')).toMatchObject({ name: 'acme-models-prod', sku_name: 'StandardV2_1' });
    expect(one(tf, 'azurerm_api_management_api_operation').url_template).toBe('/vision/cnn/infer');
    expect(one(tf, 'azurerm_api_management_api').subscription_key_parameter_names.header).toBe('x-client-key');
    const policy = xml(one(tf, 'azurerm_api_management_api_policy').xml_content);
    expect(attrs(elements(policy, 'rate-limit-by-key')[0]).calls).toBe('600');
    expect(attrs(elements(policy, 'openid-config')[0]).url).toBe('https://idp.example.com/tenant/.well-known/openid-configuration');
  });

  test('allowUnauthenticated: public routes, no key, no token check, still the size limit and the managed-identity hop', () => {
    const { tf } = synth((s) => {
      const eps = endpoints(s, ['cnn']);
      new ModelGateway(s, 'Gateway', { ...gatewayProps(eps), routes: [{ endpoint: eps[0] }], jwt: undefined, apiKeys: undefined, cache: undefined, allowUnauthenticated: true });
    });
    expect(one(tf, 'azurerm_api_management_api').subscription_required).toBe(false);
    const policy = xml(one(tf, 'azurerm_api_management_api_policy').xml_content);
    expect(children(elements(policy, 'inbound')[0]).map((e) => e.tagName)).toEqual(['base', 'choose']);
    expect(elements(xml(one(tf, 'azurerm_api_management_api_operation_policy').xml_content), 'authentication-managed-identity')).toHaveLength(1);
  });

  test('the provider rules can fail', () => {
    const tf = { resource: { azurerm_api_management: { x: { name: 'a_b', sku_name: 'Basic_3', publisher_name: 'p', publisher_email: 'e@x.com', identity: { type: 'None' } } } } } as TfJson;
    expect(apimProviderProblems(tf)).toEqual([
      'azurerm_api_management.x: name "a_b" fails ApiManagementServiceName',
      'azurerm_api_management.x: sku_name "Basic_3" fails ApimSkuName',
      'azurerm_api_management.x: identity.type "None" fails SystemAssignedUserAssignedIdentityOptional',
    ]);
  });
});

describe('refusals: field, what was given, what is allowed, how to fix', () => {
  test('Consumption has neither rate-limit-by-key nor the internal cache', () => {
    expectProblem((s) => new ModelGateway(s, 'G', gatewayProps(endpoints(s, ['fraud']), { skuName: 'Consumption_0' })),
      /apiKeys\.requestsPerMinute: got 100\/min on Consumption_0; allowed: on Azure ML: rate-limit-by-key in Developer, Basic, Standard, Premium and the v2 tiers, not Consumption .*Fix: use skuName "Basic_1" or larger[\s\S]*cache: got a cache on Consumption_0; allowed: on Azure ML: the internal cache in every tier but Consumption/);
  });

  test('an SKU the provider does not know, a bad service name, a bad publisher e-mail', () => {
    expectProblem((s) => new ModelGateway(s, 'G', gatewayProps(endpoints(s, ['cnn']), { skuName: 'Basic_3', gatewayName: '9-models', publisherEmail: 'nobody' })),
      /gatewayName: got "9-models"; allowed: 1-50 letters, digits and hyphens, a letter first[\s\S]*skuName: got "Basic_3"; allowed: Developer_1, Basic_1-2, .*Fix: e\.g\. "Basic_1"[\s\S]*publisherEmail: got "nobody"; allowed: an e-mail address/);
  });

  test('accessLogs: false (the alerts read the gateway logs)', () => {
    expectProblem((s) => new ModelGateway(s, 'G', gatewayProps(endpoints(s, ['cnn']), { accessLogs: false })),
      /accessLogs: got false; allowed: on Azure ML: gateway logs on: the gateway's error-rate and latency alerts are log alerts over them.*Fix: remove accessLogs: false/);
  });

  test('an endpoint in Key mode, or closed to public networks', () => {
    expectProblem((s) => {
      const [a] = endpoints(s, ['cnn'], { authMode: EndpointAuthMode.KEY });
      const [b] = endpoints(s, ['fraud'], { publicNetworkAccess: false });
      new ModelGateway(s, 'G', gatewayProps([a, b]));
    }, /routes\[0\]\.endpoint: got \S*cnn with authMode Key; allowed: on Azure ML: endpoints in AADToken mode: the gateway calls them with its managed identity's Microsoft Entra token, never with a static key.*Fix: leave the endpoint's authMode at EndpointAuthMode\.ENTRA_TOKEN[\s\S]*routes\[1\]\.endpoint: got \S*fraud with publicNetworkAccess false; allowed: on Azure ML: endpoints that accept public scoring traffic/);
  });

  test('a route whose endpoint is not a ModelEndpoint', () => {
    expectProblem((s) => new ModelGateway(s, 'G', gatewayProps([], { routes: [{ endpoint: { serving: { metadata: { name: 'x' } } } as never }] })),
      /routes\[0\]\.endpoint: got .*; allowed: a ModelEndpoint of this library \(model-serving-constructs\/azure\)/);
  });

  test('ES256 (validate-jwt verifies PS256, RS256 and RS512), by the shared capabilities', () => {
    expect(APIM_GATEWAY_CAPABILITIES.jwtAlgorithms).toEqual(['RS256', 'RS512', 'PS256']);
    expectProblem((s) => new ModelGateway(s, 'G', gatewayProps(endpoints(s, ['cnn']), { jwt: { ...JWT, algorithms: ['ES256'] } })),
      /jwt\.algorithms: got \["ES256"\]; allowed: on Azure ML: Azure API Management validates RS256, RS512, PS256\. Fix: use RS256 or RS512 or PS256/);
  });

  // validate-jwt-policy, "Usage notes" (MicrosoftDocs/azure-docs articles/api-management/validate-jwt-policy.md,
  // commit 01e7c604): asymmetric PS256, RS256 and RS512. Left out, jwt.algorithms defaults to the shared RS256/ES256
  // narrowed to those: RS256; the user never named ES256, so nothing is refused.
  test('JWT without algorithms synthesizes: the default narrows to RS256, the one of RS256/ES256 validate-jwt verifies', () => {
    const { issuer, audiences, jwksUri } = JWT;
    const { tf, gw } = seeds({ jwt: { issuer, audiences, jwksUri } });
    expect(gw.gateway.jwt?.algorithms).toEqual(['RS256']);
    const policy = xml(one(tf, 'azurerm_api_management_api_policy').xml_content);
    expect(elements(policy, 'when').map((w) => attrs(w).condition).find((c) => c.includes('Algorithm'))).toBe('@(!new [] { "RS256" }.Contains(((Jwt)context.Variables["jwt"]).Algorithm))');
  });

  test('an issuer that is not an https URL needs openIdConfigurationUrl; it must be https; and only with jwt', () => {
    expectProblem((s) => new ModelGateway(s, 'G', gatewayProps(endpoints(s, ['cnn']), { jwt: { ...JWT, issuer: 'login.example.com' } })),
      /openIdConfigurationUrl: got nothing, with an issuer that is not an https URL \("login\.example\.com"\); allowed: the https URL of the issuer's OpenID Connect discovery document.*Fix: set openIdConfigurationUrl/);
    expectProblem((s) => new ModelGateway(s, 'G', gatewayProps(endpoints(s, ['cnn']), { openIdConfigurationUrl: 'http://idp.example.com/.well-known/openid-configuration' })),
      /openIdConfigurationUrl: got "http:\/\/idp\.example\.com\/\.well-known\/openid-configuration"; allowed: an https URL without credentials or fragment/);
    expectProblem((s) => new ModelGateway(s, 'G', gatewayProps(endpoints(s, ['cnn']), { jwt: undefined, openIdConfigurationUrl: 'https://idp.example.com/x' })),
      /openIdConfigurationUrl: got "https:\/\/idp\.example\.com\/x"; allowed: only with jwt\. Fix: remove openIdConfigurationUrl, or set jwt/);
  });

  test('a guardrail window Azure log alerts do not have, with the shared spec\'s problems in the same error', () => {
    expectProblem((s) => new ModelGateway(s, 'G', gatewayProps(endpoints(s, ['cnn']), { guardrails: { evaluationPeriod: Duration.minutes(2) }, jwt: undefined, apiKeys: undefined })),
      /guardrails\.evaluationPeriod: got 2min; allowed: on Azure ML: 1, 5, 10, 15, 30, 45, 60 minutes[\s\S]*jwt: got neither jwt nor apiKeys/);
  });

  test('no routes (the shared spec\'s rule, through this backend)', () => {
    expectProblem((s) => new ModelGateway(s, 'G', { ...gatewayProps([]), routes: [] }),
      /routes: got \[\]; allowed: at least one route\. Fix: add routes: \[\{ endpoint \}\]/);
  });

  test('missing props, named at once', () => {
    expectProblemAtOnce((s) => new ModelGateway(s, 'G', { routes: [] } as never),
      /resourceGroupName: got nothing \(the prop is missing\)[\s\S]*location[\s\S]*publisherName[\s\S]*publisherEmail/);
  });
});

describe('latency percentile follows the guardrails', () => {
  test('p95 > 100 ms: percentile(TotalTime, 95) and threshold 100', () => {
    const { tf } = seeds({ guardrails: { maxLatency: Duration.millis(100), latencyPercentile: LatencyPercentile.P95, maxErrorRatePercent: 0.1 } });
    const rules = Object.values(resourcesOf(tf, 'azurerm_monitor_scheduled_query_rules_alert_v2')).filter((r) => r.name.startsWith('model-gateway-'));
    expect(rules.map((r) => [r.criteria[0].threshold, /percentile\(TotalTime, (\d+)\)/.exec(r.criteria[0].query)?.[1] ?? null])).toEqual([[0.1, null], [100, '95']]);
  });
});
