/**
 * Azure Functions entry (programming model v4) for the budget enforcer: the HTTP trigger the budget's action
 * group calls. A failed endpoint answers 500 so the action group calls again; acting twice is harmless.
 */
import { app, HttpRequest, HttpResponseInit } from '@azure/functions';
import { ArmClient } from '../function-runtime/arm';
import { enforce } from './enforcer';
import { parseEnforcerEnvironment } from './environment';

const arm = new ArmClient();

export const ENFORCE_FUNCTION = 'enforce';

app.http(ENFORCE_FUNCTION, {
  methods: ['POST'],
  authLevel: 'function',
  handler: async (request: HttpRequest): Promise<HttpResponseInit> => {
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return { status: 400, jsonBody: { error: 'the body must be a budget notification (JSON)' } };
    }
    const report = await enforce(parseEnforcerEnvironment(process.env), arm, body);
    const failed = report.outcomes.some((o) => o.status === 'FAILED');
    return { status: failed ? 500 : 200, jsonBody: report };
  },
});
