/**
 * API Management policy documents for ModelGateway, built from plain data and rendered as well-formed XML
 * (attribute values entity-escaped, the form API Management itself returns when it exports a policy as `xml`;
 * the provider's diff treats `&quot;` and `"` alike: terraform-provider-azurerm v4.55.0
 * internal/services/apimanagement/diff_suppress.go). Only the elements and attributes the policy reference
 * documents are used (learn.microsoft.com/azure/api-management/<policy>-policy, e.g. validate-jwt-policy,
 * rate-limit-by-key-policy, cache-lookup-value-policy, cache-store-value-policy, set-backend-service-policy,
 * rewrite-uri-policy, authentication-managed-identity-policy); test/azure/gateway.test.ts checks that.
 */
import { ResolvedGateway, ResolvedGatewayJwt, ResolvedGatewayRoute } from '../../lib/backend';

/**
 * One XML element: a name, attributes in order, children (elements or text).
 *
 * TypeScript-only (tuples and a union of element and text, which jsii cannot model; the policy renderers that take
 * it are TypeScript-only too; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export interface PolicyElement {
  readonly name: string;
  readonly attributes?: ReadonlyArray<readonly [string, string]>;
  readonly children?: ReadonlyArray<PolicyElement | string>;
}

/** The audience of Microsoft Entra tokens for Azure ML online endpoints in `aad_token` mode (how-to-authenticate-online-endpoint). */
export const AZURE_ML_TOKEN_RESOURCE = 'https://ml.azure.com';
/** The context variable validate-jwt leaves the validated token in. */
export const JWT_VARIABLE = 'jwt';

const el = (name: string, attributes: Record<string, string | number> = {}, children: ReadonlyArray<PolicyElement | string> = []): PolicyElement =>
  ({ name, attributes: Object.entries(attributes).map(([k, v]) => [k, String(v)] as const), children });

function escapeAttribute(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
function escapeText(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Renders `e` as indented XML. */
export function renderPolicy(e: PolicyElement, indent = ''): string {
  const attrs = (e.attributes ?? []).map(([k, v]) => ` ${k}="${escapeAttribute(v)}"`).join('');
  const children = e.children ?? [];
  if (children.length === 0) return `${indent}<${e.name}${attrs} />`;
  if (children.every((c) => typeof c === 'string')) return `${indent}<${e.name}${attrs}>${escapeText(children.join(''))}</${e.name}>`;
  const inner = children.map((c) => (typeof c === 'string' ? `${indent}  ${escapeText(c)}` : renderPolicy(c, `${indent}  `))).join('\n');
  return `${indent}<${e.name}${attrs}>\n${inner}\n${indent}</${e.name}>`;
}

/** A C# string literal for a policy expression. */
function cs(s: string): string {
  return JSON.stringify(s);
}

/** `<return-response>` with a status and a JSON `{"error": ...}` body (the bundled server's error shape). */
function errorResponse(code: number, reason: string, message: string): PolicyElement {
  return el('return-response', {}, [
    el('set-status', { code, reason }),
    el('set-header', { name: 'Content-Type', 'exists-action': 'override' }, [el('value', {}, ['application/json'])]),
    el('set-body', {}, [JSON.stringify({ error: message })]),
  ]);
}

/** validate-jwt with the issuer's OpenID configuration (API Management reads the JWKS from its `jwks_uri`). */
function validateJwt(jwt: ResolvedGatewayJwt, openIdConfigUrl: string, status: number, message: string, extra: PolicyElement[] = [], output = true): PolicyElement {
  return el('validate-jwt', {
    'header-name': 'Authorization',
    'require-scheme': 'Bearer',
    'failed-validation-httpcode': status,
    'failed-validation-error-message': message,
    'require-expiration-time': 'true',
    'require-signed-tokens': 'true',
    ...(output ? { 'output-token-variable-name': JWT_VARIABLE } : {}),
  }, [
    el('openid-config', { url: openIdConfigUrl }),
    el('audiences', {}, jwt.audiences.map((a) => el('audience', {}, [a]))),
    el('issuers', {}, [el('issuer', {}, [jwt.issuer])]),
    ...extra,
  ]);
}

export interface ApiPolicyOptions {
  readonly gateway: ResolvedGateway;
  /** OpenID configuration document of the JWT issuer. */
  readonly openIdConfigUrl?: string;
}

/**
 * The API's policy: JWT validation (and the algorithm the spec allows: validate-jwt has no attribute for it, so
 * the validated token's `Algorithm` is checked), the per-key limit (`rate-limit-by-key`, one counter per API
 * Management subscription, i.e. per key pair), the request size limit (413), and the key header removed before
 * the request goes on.
 */
export function apiPolicy(o: ApiPolicyOptions): PolicyElement {
  const g = o.gateway;
  const inbound: PolicyElement[] = [el('base')];
  if (g.jwt) {
    inbound.push(validateJwt(g.jwt, o.openIdConfigUrl!, 401, 'Unauthorized: a valid bearer token is required.'));
    const algs = `new [] { ${g.jwt.algorithms.map(cs).join(', ')} }`;
    inbound.push(el('choose', {}, [el('when', { condition: `@(!${algs}.Contains(((Jwt)context.Variables[${cs(JWT_VARIABLE)}]).Algorithm))` }, [
      errorResponse(401, 'Unauthorized', `Unauthorized: tokens must be signed with ${g.jwt.algorithms.join(' or ')}.`),
    ])]));
  }
  if (g.apiKeys) {
    inbound.push(el('rate-limit-by-key', {
      calls: g.apiKeys.requestsPerMinute,
      'renewal-period': 60,
      'counter-key': '@(context.Subscription.Id)',
    }));
  }
  const max = g.maxRequestBodyBytes;
  inbound.push(el('choose', {}, [el('when', {
    condition: `@(long.Parse(context.Request.Headers.GetValueOrDefault("Content-Length", "0")) > ${max} || (context.Request.Body != null && context.Request.Body.As<byte[]>(preserveContent: true).Length > ${max}))`,
  }, [errorResponse(413, 'Payload Too Large', `request body above ${max} bytes`)])]));
  if (g.apiKeys) inbound.push(el('set-header', { name: g.apiKeys.header, 'exists-action': 'delete' }));
  return el('policies', {}, [
    el('inbound', {}, inbound),
    el('backend', {}, [el('base')]),
    el('outbound', {}, [el('base')]),
    el('on-error', {}, [el('base')]),
  ]);
}

export interface OperationPolicyOptions {
  readonly gateway: ResolvedGateway;
  readonly route: ResolvedGatewayRoute;
  /** Scheme and host of the endpoint's scoring URI (a Terraform expression at synth). */
  readonly backendBaseUrl: string;
  /** Path of the scoring URI (Azure ML forwards it to the environment's scoring route). */
  readonly scoringPath: string;
  readonly openIdConfigUrl?: string;
}

const CACHE_KEY = 'cacheKey';
const CACHED = 'cachedAnswer';

/**
 * One route's policy: the per-route claim check (`jwt.modelsClaim`), the body-keyed cache lookup, the Azure ML
 * endpoint as backend (its scoring path), and a Microsoft Entra token of the gateway's own identity for
 * `https://ml.azure.com` (it replaces the caller's Authorization header).
 */
export function operationPolicy(o: OperationPolicyOptions): PolicyElement {
  const { gateway: g, route } = o;
  const inbound: PolicyElement[] = [el('base')];
  if (g.jwt?.modelsClaim) {
    inbound.push(validateJwt(g.jwt, o.openIdConfigUrl!, 403, `Forbidden: the token's ${g.jwt.modelsClaim} claim does not name ${route.model}.`, [
      el('required-claims', {}, [el('claim', { name: g.jwt.modelsClaim, match: 'any', separator: ' ' }, [el('value', {}, [route.model])])]),
    ], false));
  }
  const outbound: PolicyElement[] = [el('base')];
  if (route.cache && g.cacheTtl) {
    inbound.push(
      el('set-variable', {
        name: CACHE_KEY,
        value: `@(${cs(`${route.model}:`)} + Convert.ToBase64String(System.Security.Cryptography.SHA256.Create().ComputeHash(context.Request.Body?.As<byte[]>(preserveContent: true) ?? new byte[0])))`,
      }),
      el('cache-lookup-value', { key: `@((string)context.Variables[${cs(CACHE_KEY)}])`, 'variable-name': CACHED, 'caching-type': 'internal' }),
      el('choose', {}, [el('when', { condition: `@(context.Variables.ContainsKey(${cs(CACHED)}))` }, [el('return-response', {}, [
        el('set-status', { code: 200, reason: 'OK' }),
        el('set-header', { name: 'Content-Type', 'exists-action': 'override' }, [el('value', {}, ['application/json'])]),
        el('set-body', {}, [`@((string)context.Variables[${cs(CACHED)}])`]),
      ])])]),
    );
    outbound.push(el('choose', {}, [el('when', { condition: '@(context.Response.StatusCode == 200)' }, [
      el('cache-store-value', {
        key: `@((string)context.Variables[${cs(CACHE_KEY)}])`,
        value: '@(context.Response.Body.As<string>(preserveContent: true))',
        duration: g.cacheTtl.toSeconds(),
        'caching-type': 'internal',
      }),
    ])]));
  }
  inbound.push(
    el('set-backend-service', { 'base-url': o.backendBaseUrl }),
    el('rewrite-uri', { template: o.scoringPath, 'copy-unmatched-params': 'false' }),
    el('authentication-managed-identity', { resource: AZURE_ML_TOKEN_RESOURCE }),
  );
  return el('policies', {}, [
    el('inbound', {}, inbound),
    el('backend', {}, [el('base')]),
    el('outbound', {}, outbound),
    el('on-error', {}, [el('base')]),
  ]);
}
