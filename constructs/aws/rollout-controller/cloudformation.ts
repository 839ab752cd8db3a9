/**
 * CloudFormation's side of the rollout: a custom resource starts an execution when the model changes, and a
 * wait condition, signalled by the execution's last tick, holds the stack until the rollout has ended.
 */
import { SageMakerClient, DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { RolloutInput } from '../rollout-controller-input';
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

/** Starts a rollout, or says why none is needed; throws when one may not start. */
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
  if ((running.executions ?? []).length > 0) {
    throw new Error(`a rollout of endpoint ${input.endpointName} is already running (${running.executions!.map((e) => e.executionArn).join(', ')}); wait for it to finish or stop it, then deploy again`);
  }
  const state: ControllerState = { ...input, phase: 'START', stepIndex: 0, waitSeconds: 0 };
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(state) }));
  return { PhysicalResourceId: physicalId, Data: { ExecutionArn: started.executionArn! } };
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
