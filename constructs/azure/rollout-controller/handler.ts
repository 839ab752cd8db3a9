/**
 * Azure Functions entry (programming model v4) for the rollout controller: a one-minute timer that advances
 * the rollout, and an HTTP trigger the rollback alerts' action group calls. Bundled by
 * scripts/build-handlers.mjs; the Functions host provides @azure/functions-core.
 */
import { app, HttpRequest, HttpResponseInit } from '@azure/functions';
import { ArmClient } from '../function-runtime/arm';
import { CommonAlert, advance, rollback } from './controller';
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
  authLevel: 'function',
  handler: async (request: HttpRequest): Promise<HttpResponseInit> => {
    let alert: CommonAlert;
    try {
      alert = (await request.json()) as CommonAlert;
    } catch {
      return { status: 400, jsonBody: { error: 'the body must be an Azure Monitor common-schema alert (JSON)' } };
    }
    // Errors propagate as 500, so the action group retries the call.
    const outcome = await rollback(parseControllerEnvironment(process.env), arm, alert);
    return { status: 200, jsonBody: outcome };
  },
});
