/**
 * Lambda entry point `handler` of ModelGateway's JWT authorizer: the checks are in authorizer.ts, the
 * environment in environment.ts (the shape of every handler folder). Shipped pre-bundled in
 * dist/handlers/aws/gateway-authorizer.
 */
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { createRemoteJWKSet } from 'jose';
import { parseEnvironment } from '../../../lib/internal/function-environment';
import { createAuthorizer } from './authorizer';
import { AUTHORIZER_ENV } from './environment';

export { CLOCK_TOLERANCE_SECONDS, createAuthorizer, modelsFrom, stagePostArn } from './authorizer';
export type { AuthorizerConfig, GatewayRoute } from './authorizer';

let authorizer: ReturnType<typeof createAuthorizer> | undefined;

export async function handler(event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  if (!authorizer) {
    const config = parseEnvironment(AUTHORIZER_ENV, process.env);
    // Kept across invocations of this execution environment: keys are fetched once, not per request.
    authorizer = createAuthorizer(config, createRemoteJWKSet(new URL(config.jwksUri), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5000 }));
  }
  return authorizer(event);
}
