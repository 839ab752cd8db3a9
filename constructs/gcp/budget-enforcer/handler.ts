/**
 * Cloud Functions (2nd gen) entry point `handler` for a GCP BudgetGuard, triggered by the budget's Pub/Sub
 * topic. Shipped pre-bundled in dist/handlers/gcp/budget-enforcer.
 */
import { parseEnvironment } from '../../../lib/internal/function-environment';
import { GoogleRest, applicationDefaultToken } from '../rest/client';
import { PubsubCloudEvent, decodeMessage } from '../rest/pubsub';
import { EnforcerResult, enforce } from './enforcer';
import { GCP_ENFORCER_ENV } from './environment';

let rest: GoogleRest | undefined;

export async function handler(event: PubsubCloudEvent): Promise<EnforcerResult> {
  rest ??= new GoogleRest({ token: applicationDefaultToken() });
  return enforce(rest, parseEnvironment(GCP_ENFORCER_ENV, process.env), decodeMessage(event));
}
