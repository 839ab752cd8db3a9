/**
 * The Amazon States Language definition that drives the exact-weight rollout controller: call the
 * controller's `tick`, route on the phase it returns, wait the seconds it asks for, repeat. All decisions
 * live in the handler (constructs/aws/rollout-controller/handler.ts), where the tests exercise them; the
 * state machine only keeps time and state between calls. Plain JSON, so a test validates it as ASL.
 */

/** Errors Lambda raises when the service, not the handler, failed: retried with backoff. */
const LAMBDA_TRANSIENT_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

/**
 * How long the execution may run past the rollout's deadline: the controller enforces the deadline itself
 * (a late tick rolls back), and the rollback (weights, then the original config) needs time to finish
 * before Step Functions would stop the execution and leave nobody watching the endpoint.
 */
export const ROLLBACK_GRACE_SECONDS = 3600;

/** Times the Tick task may fail outright (Lambda timeout, out of memory, ...) before the execution gives up. */
export const MAX_CONTROLLER_FAILURES = 3;

/**
 * The definition; `functionArn` may be a CloudFormation token (the construct substitutes it).
 * `deadlineSeconds` is the rollout's deadline (`RolloutInput.deadlineSeconds`); the execution's own
 * timeout is that plus ROLLBACK_GRACE_SECONDS.
 */
export function rolloutStateMachineDefinition(functionArn: string, deadlineSeconds: number): Record<string, unknown> {
  // A failed Tick does not end the rollout where it stands (canary still serving): it is counted in
  // $.controllerFailures (no intrinsics needed: one Pass per count), the phase becomes ROLLBACK, and Tick
  // runs again, so the controller restores the stable variant. Only after MAX_CONTROLLER_FAILURES does
  // the execution fail.
  const failureStates: Record<string, unknown> = {
    CountControllerFailure: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.controllerFailures', IsPresent: false, Next: 'ControllerFailure1' },
        ...Array.from({ length: MAX_CONTROLLER_FAILURES - 1 }, (_, i) => ({ Variable: '$.controllerFailures', NumericEquals: i + 1, Next: `ControllerFailure${i + 2}` })),
      ],
      Default: 'ControllerFailed',
    },
  };
  for (let n = 1; n <= MAX_CONTROLLER_FAILURES; n++) {
    failureStates[`ControllerFailure${n}`] = { Type: 'Pass', Result: n, ResultPath: '$.controllerFailures', Next: 'RollBackAfterFailure' };
  }
  failureStates.RollBackAfterFailure = { Type: 'Pass', Result: 'ROLLBACK', ResultPath: '$.phase', Next: 'Tick' };
  return {
    Comment: 'Exact-weight canary rollout of one SageMaker endpoint (model-serving-constructs)',
    StartAt: 'Tick',
    TimeoutSeconds: deadlineSeconds + ROLLBACK_GRACE_SECONDS,
    States: {
      Tick: {
        Type: 'Task',
        Resource: functionArn,
        Retry: [{ ErrorEquals: LAMBDA_TRANSIENT_ERRORS, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'CountControllerFailure' }],
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
      ...failureStates,
      Wait: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Tick' },
      Promoted: { Type: 'Succeed' },
      RolledBack: { Type: 'Fail', Error: 'RolledBack', CausePath: '$.reason' },
      RollbackFailed: { Type: 'Fail', Error: 'RollbackFailed', CausePath: '$.reason' },
      Refused: { Type: 'Fail', Error: 'RolloutRefused', CausePath: '$.reason' },
      // The handler turns every AWS error into a rollback itself; reaching this means the Lambda failed
      // MAX_CONTROLLER_FAILURES times, the last ones while rolling back, so nobody is watching the endpoint.
      ControllerFailed: { Type: 'Fail', Error: 'ControllerFailed', Cause: `The rollout controller Lambda failed ${MAX_CONTROLLER_FAILURES} times, the last while rolling back; the endpoint may be mid-rollout. Check the execution history and the endpoint's variants.` },
    },
  };
}
