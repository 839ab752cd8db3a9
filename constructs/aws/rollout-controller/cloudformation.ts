/**
 * CloudFormation's side of the rollout: a custom resource starts an execution when the model changes, and a
 * wait condition, signalled by the execution's last tick, holds the stack until the rollout has ended.
 */
import { SageMakerClient, DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { GetExecutionHistoryCommand, HistoryEvent, ListExecutionsCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { RolloutInput } from './input';
import type { ControllerState } from './controller';

const sagemaker = new SageMakerClient({});
const sfn = new SFNClient({});

/**
 * Tells CloudFormation's wait condition how the rollout ended. SUCCESS lets the stack go on (it then points
 * the endpoint at its own new config, which serves the model the rollout promoted); FAILURE fails the stack
 * update, so CloudFormation puts the old model back in the template, matching the endpoint.
 */
export async function signalWaitCondition(url: string, success: boolean, reason: string, uniqueId: string): Promise<void> {
  // Pre-signed S3 URL: the signature covers an empty content type.
  const res = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': '' },
    body: JSON.stringify({ Status: success ? 'SUCCESS' : 'FAILURE', Reason: reason.slice(0, 4000), UniqueId: uniqueId, Data: reason.slice(0, 4000) }),
  });
  if (!res.ok) throw new Error(`signalling the wait condition failed: HTTP ${res.status}`);
}

/** Properties of the custom resource. */
export interface TriggerProperties {
  readonly StateMachineArn: string;
  /** JSON of RolloutInput. */
  readonly Rollout: string;
}

export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL?: string;
  readonly StackId?: string;
  readonly RequestId?: string;
  readonly LogicalResourceId?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: TriggerProperties & { readonly ServiceToken?: string };
}

async function endpointExists(name: string): Promise<boolean> {
  try {
    await sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
    return true;
  } catch (e) {
    // SageMaker answers a missing endpoint with a ValidationException "Could not find endpoint".
    if ((e as Error).name === 'ValidationException' && /could not find/i.test((e as Error).message)) return false;
    throw e;
  }
}

/** Starts a rollout, says why none is needed, or rolls back one that an earlier update left running. */
export async function onEvent(event: CustomResourceEvent): Promise<{ PhysicalResourceId: string; Data: Record<string, string> }> {
  const input = JSON.parse(event.ResourceProperties.Rollout) as RolloutInput;
  const physicalId = event.PhysicalResourceId ?? `rollout-${input.endpointName}`;
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalId, Data: {} };
  // The first deploy creates the endpoint after this resource: there is nothing to roll out yet.
  if (!(await endpointExists(input.endpointName))) {
    if (input.waitHandleUrl) await signalWaitCondition(input.waitHandleUrl, true, 'no endpoint yet: the stack creates it', 'create');
    return { PhysicalResourceId: physicalId, Data: { Outcome: 'NO_ENDPOINT_YET' } };
  }
  const stateMachineArn = event.ResourceProperties.StateMachineArn;
  const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 10 }));
  const runningArns = (running.executions ?? []).map((e) => e.executionArn!).filter(Boolean);
  if (runningArns.length > 0) return rollBackRunning(event, input, physicalId, runningArns);
  const state: ControllerState = { ...input, phase: 'START', stepIndex: 0, waitSeconds: 0 };
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(state) }));
  return { PhysicalResourceId: physicalId, Data: { ExecutionArn: started.executionArn! } };
}

/** The controller's state as the execution last passed it on (newest event that carries it). */
export async function lastControllerState(executionArn: string): Promise<ControllerState | undefined> {
  const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 50, includeExecutionData: true }));
  for (const e of out.events ?? []) {
    const json = stateJson(e);
    if (!json) continue;
    try {
      const parsed = JSON.parse(json) as Partial<ControllerState>;
      if (typeof parsed.phase === 'string' && typeof parsed.endpointName === 'string') return parsed as ControllerState;
    } catch {
      // not the controller's state (a Lambda payload wrapper, a truncated event): keep looking
    }
  }
  return undefined;
}

function stateJson(e: HistoryEvent): string | undefined {
  return e.taskSucceededEventDetails?.output ?? e.stateExitedEventDetails?.output ?? e.stateEnteredEventDetails?.input ?? e.executionStartedEventDetails?.input;
}

/**
 * A Create or Update while an execution runs. CloudFormation runs one update of a stack at a time, and the
 * update that started an execution waits for it (the wait condition), so the running execution belongs to
 * an update that is over: CloudFormation is rolling it back (the wait condition timed out, another resource
 * failed, or someone cancelled the update) and re-sends the previous properties, or it failed earlier and
 * left the execution behind. Refusing would leave the stack in UPDATE_ROLLBACK_FAILED. Instead the running
 * execution is stopped and a new one rolls the endpoint back from where the old one left it (its last
 * state: configs, scale-in hold), and CloudFormation is answered SUCCESS. The new execution signals this
 * event's wait condition FAILURE when it has rolled back: during a stack rollback that is the old,
 * already-complete condition (no effect); in a forward update the update fails with the reason, and the
 * next deploy starts clean.
 */
async function rollBackRunning(event: CustomResourceEvent, input: RolloutInput, physicalId: string, runningArns: readonly string[]): Promise<{ PhysicalResourceId: string; Data: Record<string, string> }> {
  const stateMachineArn = event.ResourceProperties.StateMachineArn;
  const reason = `CloudFormation sent ${event.RequestType} while rollout execution ${runningArns.join(', ')} was running (a stack rollback or a cancelled or failed update): rolled back to the model the endpoint served before that rollout`;
  let last: ControllerState | undefined;
  for (const executionArn of runningArns) {
    last = (await lastControllerState(executionArn)) ?? last;
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'SupersededByCloudFormation', cause: reason.slice(0, 32_000) }));
  }
  const from: ControllerState = last ?? { ...input, phase: 'START', stepIndex: 0, waitSeconds: 0 };
  const state: ControllerState = {
    ...from,
    phase: 'ROLLBACK',
    reason,
    rollbackAttempts: 0,
    waitSeconds: 0,
    error: undefined,
    controllerFailures: undefined,
    waitHandleUrl: input.waitHandleUrl,
  };
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(state) }));
  return { PhysicalResourceId: physicalId, Data: { Outcome: 'ROLLING_BACK_RUNNING', StoppedExecutionArns: runningArns.join(','), ExecutionArn: started.executionArn! } };
}

/** The custom resource's Lambda entry: runs onEvent and answers CloudFormation either way. */
export async function trigger(event: CustomResourceEvent): Promise<void> {
  let body: Record<string, unknown>;
  try {
    const out = await onEvent(event);
    body = { Status: 'SUCCESS', PhysicalResourceId: out.PhysicalResourceId, Data: out.Data };
  } catch (e) {
    body = { Status: 'FAILED', Reason: (e as Error).message.slice(0, 1000), PhysicalResourceId: event.PhysicalResourceId ?? event.LogicalResourceId ?? 'rollout' };
  }
  const res = await fetch(event.ResponseURL!, {
    method: 'PUT',
    headers: { 'content-type': '' },
    body: JSON.stringify({ ...body, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId }),
  });
  if (!res.ok) throw new Error(`answering CloudFormation failed: HTTP ${res.status}`);
}
