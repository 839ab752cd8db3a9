/**
 * Cloud Functions (2nd gen) entry point `handler` for a CanaryRollout: triggered by Pub/Sub messages from the
 * rollout's alert notification channel and its scheduler tick. Shipped pre-bundled in
 * dist/handlers/gcp/rollout-controller.
 */
import { GoogleRest, applicationDefaultToken } from '../rest/client';
import { PubsubCloudEvent } from '../rest/pubsub';
import { ControllerResult, handle, parseEvent, readControllerConfig } from './controller';

let rest: GoogleRest | undefined;

export async function handler(event: PubsubCloudEvent): Promise<ControllerResult> {
  rest ??= new GoogleRest({ token: applicationDefaultToken() });
  return handle(rest, readControllerConfig(process.env), parseEvent(event));
}
