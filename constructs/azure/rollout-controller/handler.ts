/**
 * Azure Functions entry (programming model v4) for the rollout controller: a one-minute timer that advances
 * the rollout, and an HTTP trigger the rollback alerts' action group calls. Bundled by
 * scripts/build-handlers.mjs; the Functions host provides @azure/functions-core.
 */
import { app, HttpRequest, HttpResponseInit } from '@azure/functions';
import { ArmClient } from '../function-runtime/arm';
import { advance, rollbackResponse } from './controller';
import { parseControllerEnvironment } from './environment';

const arm = new ArmClient();

/** Name the action group's Azure Function receiver calls. */
export const ROLLBACK_FUNCTION = 'rollback';

app.timer('advance', {
  schedule: '0 */1 * * * *',
  handler: async () => {
    // A throw here is logged by the host and the next tick tries again.
    await advance(parseControllerEnvironment(process.env), arm);
  },
});

app.http(ROLLBACK_FUNCTION, {
  methods: ['POST'],
  // Anonymous to the Functions host: App Service authentication in front of it admits only Entra tokens
  // for the webhook application held by Azure Monitor's action groups (constructs/azure/function-app.ts).
  authLevel: 'anonymous',
  // A failed rollback answers 503: action groups retry a webhook only on 408, 429, 503, 504 or no response,
  // and drop a 500 after one delivery.
  handler: async (request: HttpRequest): Promise<HttpResponseInit> => rollbackResponse(process.env, arm, () => request.json()),
});
