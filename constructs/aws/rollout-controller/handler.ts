/**
 * Exact-weight rollout controller for one SageMaker endpoint.
 *
 * `tick` is the whole controller: a Step Functions state machine (rollout-state-machine.ts) calls it, waits
 * the `waitSeconds` it returns, and calls it again with what it returned until the phase is terminal. Each
 * call looks at the endpoint as it is now and takes at most one action, so a retried or repeated tick never
 * does anything twice. `trigger` is the CloudFormation custom resource that starts an execution when the
 * endpoint's new config changes; the execution's last tick signals a CloudFormation wait condition, which
 * holds the stack (and CloudFormation's own update of the endpoint) until the rollout has promoted, or
 * fails the stack update, so the template goes back to the old model, when the rollout rolled back.
 *
 * The rollout: the stable variant keeps the old model; a second production variant runs the new model; the
 * variants' weights are the step percentages (SageMaker routes by weight, whatever the instance counts),
 * moved with UpdateEndpointWeightsAndCapacities; each step bakes while the rollout's alarms are watched;
 * an alarm, a failed call or a failed update sends all traffic back to the stable variant and restores the
 * endpoint's original config. Promotion puts the new model on the stable variant with the larger of the
 * stable and canary instance counts, so the capacity autoscaling reached is kept.
 *
 * Bundled by esbuild; the AWS SDK v3 clients come from the Lambda runtime.
 */
import { signalWaitCondition } from './cloudformation';
import { MAX_CONTROLLER_FAILURES } from '../rollout-state-machine';
import { ControllerState, TERMINAL_PHASES, tick } from './controller';

export type { ControllerStep, RolloutInput } from './input';
export * from './controller';
export { onEvent, signalWaitCondition, trigger } from './cloudformation';
export type { CustomResourceEvent, TriggerProperties } from './cloudformation';

/** The state machine's task: Lambda passes (event, context), so the clock is not taken from the caller. */
export async function handler(state: ControllerState): Promise<ControllerState> {
  if (state.phase === 'CONTROLLER_FAILED') {
    // The state machine gave up on the Tick task: only tell CloudFormation, so the stack does not wait
    // for its timeout (the next deploy rolls back a canary this leaves, see rollBackLeftover).
    const last = state.error ? `; last: ${state.error.Error ?? 'Error'}: ${state.error.Cause ?? ''}` : '';
    const reason = `the rollout controller failed ${state.controllerFailures ?? MAX_CONTROLLER_FAILURES} times${last}. The endpoint may be mid-rollout: check its variants; the next deploy rolls back a canary left in service`;
    if (state.waitHandleUrl) await signalWaitCondition(state.waitHandleUrl, false, `CONTROLLER_FAILED: ${reason}`, state.rolloutId ?? 'rollout');
    return { ...state, reason, waitSeconds: 0 };
  }
  const next = await tick(state, new Date());
  if (TERMINAL_PHASES.includes(next.phase) && next.waitHandleUrl) {
    await signalWaitCondition(next.waitHandleUrl, next.phase === 'DONE', `${next.phase}: ${next.reason ?? ''}`, next.rolloutId ?? 'rollout');
  }
  return next;
}
