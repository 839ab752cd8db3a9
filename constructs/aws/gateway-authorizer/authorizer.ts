/**
 * ModelGateway's JWT authorizer (API Gateway REST, TOKEN authorizer on `Authorization`). API Gateway REST
 * APIs have no native JWT validation other than Cognito user pools, so this function checks a bearer token
 * with jose: the signature against the issuer's JWKS (fetched over https, cached, refetched on an unknown
 * `kid` at most once per cooldown), `iss`, `aud` (one of the configured audiences), `exp` (required) and
 * `nbf`, and an allow-list of asymmetric algorithms: `alg: none`, HMAC and keys of the wrong type are
 * refused by jose before any signature check.
 *
 * A valid token gets an Allow policy for POST on every route of this stage (so API Gateway's result cache,
 * keyed on the token, serves the other routes too); with a models claim configured, only on the routes of the
 * models the claim lists (a token without the claim gets a Deny: 403 on every route; a route it does not list
 * is not in the policy: 403 there, from the cached policy too). Anything else throws `Unauthorized`, which API
 * Gateway answers with 401. Logs carry the decision and jose's error code, never the token.
 *
 * The Lambda entry point is handler.ts (the shape of every handler folder). Bundled by esbuild with jose
 * (`npm run build:handlers`).
 */
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AuthorizerConfig, GatewayRoute } from './environment';

export type { AuthorizerConfig, GatewayRoute };

/** Seconds of clock difference tolerated on `exp` and `nbf`. */
export const CLOCK_TOLERANCE_SECONDS = 5;

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

/** The message API Gateway maps to 401 (any other error is a 500). */
const UNAUTHORIZED = 'Unauthorized';

/** `arn:...:execute-api:<region>:<account>:<api>/<stage>` from the method ARN of the request. */
function stagePrefix(methodArn: string): string {
  const [api, stage] = methodArn.split('/');
  if (!api?.startsWith('arn:') || !stage) throw new Error(UNAUTHORIZED);
  return `${api}/${stage}`;
}

/** `arn:...:execute-api:<region>:<account>:<api>/<stage>/POST/*` from the method ARN of the request. */
export function stagePostArn(methodArn: string): string {
  return `${stagePrefix(methodArn)}/POST/*`;
}

/** The models a token may call, from `claim` (a space-separated string or an array of strings); undefined: no such claim. */
export function modelsFrom(payload: Readonly<Record<string, unknown>>, claim: string): ReadonlySet<string> | undefined {
  const value = payload[claim];
  if (typeof value === 'string') return new Set(value.split(' ').filter((s) => s !== ''));
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return new Set(value as string[]);
  return undefined;
}

function policy(principalId: string, effect: 'Allow' | 'Deny', resources: string[]): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resources.length === 1 ? resources[0] : resources }] },
  };
}

/** An authorizer for `config`, with `keys` resolving the signing key (the remote JWKS in Lambda; a local set in tests). */
export function createAuthorizer(config: AuthorizerConfig, keys: JWTVerifyGetKey) {
  return async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const match = BEARER.exec(event.authorizationToken ?? '');
    if (!match) {
      console.log(JSON.stringify({ decision: 'deny', reason: 'no bearer token' }));
      throw new Error(UNAUTHORIZED);
    }
    let sub: string;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(match[1], keys, {
        issuer: config.issuer,
        audience: [...config.audiences],
        algorithms: [...config.algorithms],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      }));
      sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : 'anonymous';
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      console.log(JSON.stringify({ decision: 'deny', reason: typeof code === 'string' ? code : 'invalid token' }));
      throw new Error(UNAUTHORIZED);
    }
    if (config.modelsClaim === null) return policy(sub, 'Allow', [stagePostArn(event.methodArn)]);
    const models = modelsFrom(payload, config.modelsClaim);
    const allowed = models ? config.routes.filter((r) => models.has(r.model)) : [];
    if (allowed.length === 0) {
      console.log(JSON.stringify({ decision: 'forbid', reason: models ? 'no route of this gateway in the models claim' : `no '${config.modelsClaim}' claim` }));
      return policy(sub, 'Deny', [stagePostArn(event.methodArn)]);
    }
    const prefix = stagePrefix(event.methodArn);
    return policy(sub, 'Allow', allowed.map((r) => `${prefix}/POST${r.path}/infer`));
  };
}
