/**
 * The Amazon States Language definition that drives the exact-weight rollout controller: call the
 * controller's `tick`, route on the phase it returns, wait the seconds it asks for, repeat. All decisions
 * live in the handler (constructs/aws/rollout-controller/handler.ts), where the tests exercise them; the
 * state machine only keeps time and state between calls. Plain JSON, so a test validates it as ASL.
 */

/** Errors Lambda raises when the service, not the handler, failed: retried with backoff. */
const LAMBDA_TRANSIENT_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

/** The definition; `functionArn` may be a CloudFormation token (the construct substitutes it). */
export function rolloutStateMachineDefinition(functionArn: string, timeoutSeconds: number): Record<string, unknown> {
  return {
    Comment: 'Exact-weight canary rollout of one SageMaker endpoint (model-serving-constructs)',
    StartAt: 'Tick',
    TimeoutSeconds: timeoutSeconds,
    States: {
      Tick: {
        Type: 'Task',
        Resource: functionArn,
        Retry: [{ ErrorEquals: LAMBDA_TRANSIENT_ERRORS, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ControllerFailed' }],
        Next: 'Route',
      },
      Route: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.phase', StringEquals: 'DONE', Next: 'Promoted' },
          { Variable: '$.phase', StringEquals: 'ROLLED_BACK', Next: 'RolledBack' },
          { Variable: '$.phase', StringEquals: 'ROLLBACK_FAILED', Next: 'RollbackFailed' },
          { Variable: '$.phase', StringEquals: 'REFUSED', Next: 'Refused' },
        ],
        Default: 'Wait',
      },
      Wait: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Tick' },
      Promoted: { Type: 'Succeed' },
      RolledBack: { Type: 'Fail', Error: 'RolledBack', CausePath: '$.reason' },
      RollbackFailed: { Type: 'Fail', Error: 'RollbackFailed', CausePath: '$.reason' },
      Refused: { Type: 'Fail', Error: 'RolloutRefused', CausePath: '$.reason' },
      // The handler turns every AWS error into a rollback itself; reaching this means the Lambda could not
      // run at all, so nobody is watching the endpoint: the failure says so.
      ControllerFailed: { Type: 'Fail', Error: 'ControllerFailed', Cause: 'The rollout controller Lambda failed to run; the endpoint may be mid-rollout. Check the execution history and the endpoint\'s variants.' },
    },
  };
}
