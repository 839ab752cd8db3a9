/**
 * The Amazon States Language definition that drives the exact-weight rollout controller: call the
 * controller's `tick`, route on the phase it returns, wait the seconds it asks for, repeat. All decisions
 * live in the handler (constructs/aws/rollout-controller/handler.ts), where the tests exercise them; the
 * state machine only keeps time and state between calls. Plain JSON, so a test validates it as ASL.
 */
import { CONTROLLER_TIMEOUT_SECONDS, MAX_ROLLBACK_ATTEMPTS, PROVISIONING_POLL_SECONDS } from './rollout-controller/input';

/** Errors Lambda raises when the service, not the handler, failed: retried with backoff. */
const LAMBDA_TRANSIENT_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

/** The state machine's retry of a Tick that Lambda itself failed: 2+4+...+64 s between 6 attempts. */
const LAMBDA_RETRY = { IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 };
const LAMBDA_RETRY_WAIT_SECONDS = Array.from({ length: LAMBDA_RETRY.MaxAttempts }, (_, i) => LAMBDA_RETRY.IntervalSeconds * LAMBDA_RETRY.BackoffRate ** i).reduce((a, b) => a + b, 0);

/** What the wait condition allows beyond the execution's own timeout: the last tick's signal, and its retries. */
export const WAIT_SIGNAL_MARGIN_SECONDS = 300;

/** Times the Tick task may fail outright (Lambda timeout, out of memory, ...) before the execution gives up. */
export const MAX_CONTROLLER_FAILURES = 3;

/**
 * The worst case of a rollback that starts at the deadline, in seconds: the tick that finds the deadline
 * passed comes up to one poll late; an update SageMaker is running then (a canary or promoted fleet coming
 * up) must finish first, up to one fleet's provisioning; the weights go back (one poll); the original config
 * is restored, which brings up a fleet again; failed rollback calls are retried MAX_ROLLBACK_ATTEMPTS times a
 * poll apart; and the Tick task itself may fail MAX_CONTROLLER_FAILURES times (its timeout plus Lambda's
 * retries each) before the state machine gives up. `fleetSeconds` is the time one fleet takes to provision
 * and pass its health checks (CanaryRollout's provisioningAllowance).
 */
export function rollbackWorstCaseSeconds(fleetSeconds: number, pollSeconds: number): number {
  const poll = Math.max(pollSeconds, PROVISIONING_POLL_SECONDS);
  const controllerFailures = MAX_CONTROLLER_FAILURES * (CONTROLLER_TIMEOUT_SECONDS + LAMBDA_RETRY_WAIT_SECONDS);
  return Math.ceil(poll + 2 * fleetSeconds + PROVISIONING_POLL_SECONDS + MAX_ROLLBACK_ATTEMPTS * PROVISIONING_POLL_SECONDS + controllerFailures);
}

/**
 * The definition; `functionArn` may be a CloudFormation token (the construct substitutes it).
 * `deadlineSeconds` is the rollout's deadline (`RolloutInput.deadlineSeconds`); the execution's own
 * timeout is that plus `rollbackSeconds` (rollbackWorstCaseSeconds), so a rollback that starts at the
 * deadline finishes before Step Functions stops the execution.
 */
export function rolloutStateMachineDefinition(functionArn: string, deadlineSeconds: number, rollbackSeconds: number): Record<string, unknown> {
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
      Default: 'MarkControllerFailed',
    },
  };
  for (let n = 1; n <= MAX_CONTROLLER_FAILURES; n++) {
    failureStates[`ControllerFailure${n}`] = { Type: 'Pass', Result: n, ResultPath: '$.controllerFailures', Next: 'RollBackAfterFailure' };
  }
  failureStates.RollBackAfterFailure = { Type: 'Pass', Result: 'ROLLBACK', ResultPath: '$.phase', Next: 'Tick' };
  return {
    Comment: 'Exact-weight canary rollout of one SageMaker endpoint (model-serving-constructs)',
    StartAt: 'Tick',
    TimeoutSeconds: deadlineSeconds + rollbackSeconds,
    States: {
      Tick: {
        Type: 'Task',
        Resource: functionArn,
        Retry: [{ ErrorEquals: LAMBDA_TRANSIENT_ERRORS, ...LAMBDA_RETRY }],
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
      // The stack must not wait for a signal that would never come: one more call, in phase
      // CONTROLLER_FAILED, only signals the wait condition FAILURE (the stack update fails and rolls back).
      MarkControllerFailed: { Type: 'Pass', Result: 'CONTROLLER_FAILED', ResultPath: '$.phase', Next: 'SignalControllerFailed' },
      SignalControllerFailed: {
        Type: 'Task',
        Resource: functionArn,
        Retry: [{ ErrorEquals: ['States.ALL'], ...LAMBDA_RETRY }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.signalError', Next: 'ControllerFailed' }],
        Next: 'ControllerFailed',
      },
      ControllerFailed: { Type: 'Fail', Error: 'ControllerFailed', Cause: `The rollout controller Lambda failed ${MAX_CONTROLLER_FAILURES} times, the last while rolling back; the endpoint may be mid-rollout. Check the execution history and the endpoint's variants.` },
    },
  };
}
