/**
 * Azure Functions entry (programming model v4) for the budget enforcer: the HTTP trigger the budget's action
 * group calls. A failed endpoint answers 503 so the action group calls again (action groups retry only 408, 429,
 * 503, 504 or no response; a 500 is dropped); acting twice is harmless.
 */
import { app, HttpRequest, HttpResponseInit } from '@azure/functions';
import { ArmClient } from '../function-runtime/arm';
import { enforceResponse } from './enforcer';

const arm = new ArmClient();

export const ENFORCE_FUNCTION = 'enforce';

app.http(ENFORCE_FUNCTION, {
  methods: ['POST'],
  // Anonymous to the Functions host: App Service authentication in front of it admits only Entra tokens
  // for the webhook application held by Azure Monitor's action groups (constructs/azure/function-app.ts).
  authLevel: 'anonymous',
  handler: async (request: HttpRequest): Promise<HttpResponseInit> => enforceResponse(process.env, arm, () => request.json()),
});
