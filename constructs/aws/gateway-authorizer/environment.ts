/**
 * The gateway authorizer's environment: rendered by ModelGateway, parsed by the handler, from this one table.
 * No aws-cdk-lib import: the handler bundles it.
 */
import { JWT_ALGORITHMS, JwtAlgorithm } from '../../../lib/contract';
import { EnvFields, EnvTable } from '../../../lib/internal/function-environment';

export interface AuthorizerConfig {
  /** The `iss` every token must carry. */
  readonly issuer: string;
  /** Accepted `aud` values (at least one must match). */
  readonly audiences: readonly string[];
  /** The issuer's JWKS (https). */
  readonly jwksUri: string;
  /** Accepted algorithms (asymmetric only). */
  readonly algorithms: readonly JwtAlgorithm[];
  /** A claim listing the models a token may call; null: any valid token may call every route. */
  readonly modelsClaim: string | null;
  /** The gateway's routes (model and path prefix), for the per-model policy. */
  readonly routes: readonly GatewayRoute[];
}

export interface GatewayRoute {
  readonly model: string;
  /** Path prefix, starting with "/"; the route's method is POST `${path}/infer`. */
  readonly path: string;
}

function isRoutes(value: unknown): value is GatewayRoute[] {
  return Array.isArray(value) && value.length > 0 && value.every((r: Partial<GatewayRoute> | null) =>
    r !== null && typeof r === 'object' && typeof r.model === 'string' && r.model !== '' && typeof r.path === 'string' && r.path.startsWith('/'));
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '');
}

function isAlgorithmList(value: unknown): value is JwtAlgorithm[] {
  const known: readonly string[] = JWT_ALGORITHMS;
  return isStringList(value) && value.every((v) => known.includes(v));
}

export const AUTHORIZER_ENV: EnvTable<AuthorizerConfig> = {
  issuer: EnvFields.text('JWT_ISSUER'),
  audiences: EnvFields.json('JWT_AUDIENCES', 'a JSON array of audience strings, at least one', isStringList),
  jwksUri: EnvFields.matching('JWT_JWKS_URI', /^https:\/\/[^\s]+$/, 'an https URL'),
  algorithms: EnvFields.json('JWT_ALGORITHMS', `a JSON array of ${JWT_ALGORITHMS.join(', ')}`, isAlgorithmList),
  modelsClaim: EnvFields.optional(EnvFields.text('JWT_MODELS_CLAIM')),
  routes: EnvFields.json('GATEWAY_ROUTES', 'a JSON array of {model, path}, at least one', isRoutes),
};
