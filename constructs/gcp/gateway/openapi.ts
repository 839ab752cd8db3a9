/**
 * The OpenAPI 2.0 document a ModelGateway hands to Google Cloud API Gateway (API Gateway reads Swagger 2.0
 * only: "API Gateway supports OpenAPI 2.0", API Gateway docs "OpenAPI overview"). Extensions used, each as
 * Google documents it:
 * - `x-google-backend` (address, path_translation, jwt_audience): "Understanding path translation" and
 *   "x-google-backend" in the API Gateway OpenAPI extensions reference; with `jwt_audience` set, the gateway
 *   calls the backend with a Google-signed ID token of its service account for that audience.
 * - `securityDefinitions` of type oauth2 with `x-google-issuer`, `x-google-jwks_uri`, `x-google-audiences`
 *   (comma-separated): "Using JWTs to authenticate users"; `x-google-jwt-locations` limited to
 *   `Authorization: Bearer`, because by default the proxy also takes a token from the `access_token` query
 *   parameter (googleapis google/api/auth.proto, AuthProvider.jwt_locations), and URLs are logged.
 * - `securityDefinitions` of type apiKey (`in: header`): "Restricting API access with API keys".
 * - `x-google-management` metrics and quota limits with unit `1/min/{project}`, and `x-google-quota`
 *   `metricCosts` per operation: "Configuring quotas" (Cloud Endpoints/API Gateway quotas, per consumer project).
 */
import { ResolvedGateway } from '../../../lib';

/** The quota metric every inference operation costs 1 of. */
export const GATEWAY_QUOTA_METRIC = 'model-requests';
export const GATEWAY_QUOTA_LIMIT = 'model-requests-per-minute';

export interface OpenApiOptions {
  /** API title (API Gateway shows it). */
  readonly title: string;
  /** The relay's URL: backend address and ID-token audience. */
  readonly backendUrl: string;
}

type Json = Record<string, unknown>;

/** The Swagger 2.0 document: one `POST <route path>/infer` operation per route, all to the relay. */
export function gatewayOpenApi(g: ResolvedGateway, options: OpenApiOptions): Json {
  const securityDefinitions: Json = {};
  const requirement: Record<string, string[]> = {};
  if (g.jwt) {
    securityDefinitions.jwt = {
      type: 'oauth2',
      flow: 'implicit',
      authorizationUrl: '',
      'x-google-issuer': g.jwt.issuer,
      'x-google-jwks_uri': g.jwt.jwksUri,
      'x-google-audiences': g.jwt.audiences.join(','),
      'x-google-jwt-locations': [{ header: 'Authorization', value_prefix: 'Bearer ' }],
    };
    requirement.jwt = [];
  }
  if (g.apiKeys) {
    securityDefinitions.api_key = { type: 'apiKey', name: g.apiKeys.header, in: 'header' };
    requirement.api_key = [];
  }
  const secured = Object.keys(requirement).length > 0;
  const paths: Json = {};
  for (const r of g.routes) {
    paths[`${r.path}/infer`] = {
      post: {
        operationId: `infer_${r.model.replace(/[^A-Za-z0-9_]/g, '_')}`,
        summary: `Open Inference Protocol inference on model ${r.model}`,
        consumes: ['application/json', 'application/octet-stream'],
        produces: ['application/json', 'application/octet-stream'],
        parameters: [{ in: 'body', name: 'request', required: true, schema: { type: 'object' } }],
        responses: {
          200: { description: 'The model\'s Open Inference Protocol answer' },
          400: { description: 'The model refused the input' },
          401: { description: 'No valid credentials' },
          404: { description: 'No such route' },
          413: { description: `Body above ${g.maxRequestBodyBytes} bytes` },
          429: { description: 'Over the per-minute limit' },
          502: { description: 'The model could not be reached' },
        },
        ...(secured ? { security: [requirement] } : {}),
        ...(g.apiKeys ? { 'x-google-quota': { metricCosts: { [GATEWAY_QUOTA_METRIC]: 1 } } } : {}),
      },
    };
  }
  return {
    swagger: '2.0',
    info: { title: options.title, description: 'Model inference routes (model-serving-constructs ModelGateway)', version: '1.0.0' },
    schemes: ['https'],
    produces: ['application/json'],
    'x-google-backend': {
      address: options.backendUrl,
      path_translation: 'APPEND_PATH_TO_ADDRESS',
      jwt_audience: options.backendUrl,
      // Seconds API Gateway waits for the relay (default 15); the relay itself stops at 60.
      deadline: 60,
    },
    ...(g.apiKeys ? {
      'x-google-management': {
        metrics: [{ name: GATEWAY_QUOTA_METRIC, displayName: 'Model inference requests', valueType: 'INT64', metricKind: 'DELTA' }],
        quota: { limits: [{ name: GATEWAY_QUOTA_LIMIT, metric: GATEWAY_QUOTA_METRIC, unit: '1/min/{project}', values: { STANDARD: g.apiKeys.requestsPerMinute } }] },
      },
    } : {}),
    ...(secured ? { securityDefinitions } : {}),
    paths,
  };
}
