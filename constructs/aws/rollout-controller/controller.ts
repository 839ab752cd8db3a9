/**
 * The exact-weight rollout controller's decisions: one action per call of `tick`, taken after looking at
 * the endpoint as it is now (see handler.ts for how it is driven, and the README for the whole rollout).
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointConfigCommand,
  DeleteEndpointConfigCommand,
  DescribeEndpointCommand,
  DescribeEndpointCommandOutput,
  DescribeEndpointConfigCommand,
  ListEndpointConfigsCommand,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { MAX_ROLLBACK_ATTEMPTS, PROVISIONING_POLL_SECONDS } from './input';
import type { RolloutInput } from './input';

export { MAX_ROLLBACK_ATTEMPTS, PROVISIONING_POLL_SECONDS };


export type Phase =
  | 'START'
  | 'SHADOW_PROVISIONING'
  | 'SHADOWING'
  | 'PROVISIONING'
  | 'SHIFTING'
  | 'BAKING'
  | 'PROMOTING'
  | 'ROLLBACK'
  | 'DONE'
  | 'ROLLED_BACK'
  | 'ROLLBACK_FAILED'
  | 'REFUSED'
  /** Set by the state machine when the Tick task failed MAX_CONTROLLER_FAILURES times: signal and stop. */
  | 'CONTROLLER_FAILED';

export interface ControllerState extends RolloutInput {
  readonly phase: Phase;
  /** Index into `steps` of the step being shifted to or baked. */
  readonly stepIndex: number;
  readonly stepStartedAt?: string;
  /** Seconds the state machine waits before the next tick. */
  readonly waitSeconds: number;
  /** Short id of this rollout, part of the config names it creates. */
  readonly rolloutId?: string;
  readonly originalConfigName?: string;
  readonly canaryConfigName?: string;
  readonly shadowConfigName?: string;
  /** When the shadow variant came into service. */
  readonly shadowStartedAt?: string;
  readonly promotedConfigName?: string;
  /** True when this rollout suspended the stable variant's scale-in (and must resume it). */
  readonly scaleInSuspended?: boolean;
  /** Why the rollout rolled back, was refused, or that it had nothing to do. */
  readonly reason?: string;
  /** Failed attempts at the current rollback action. */
  readonly rollbackAttempts?: number;
  /** When the first tick ran; the rollout's deadline counts from here. */
  readonly startedAt?: string;
  /** Set by the state machine: how often the Tick task itself failed (it then forces phase ROLLBACK). */
  readonly controllerFailures?: number;
  /** Set by the state machine's Catch: the last error of the Tick task. */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
  /** One line per action taken, for the execution history. */
  readonly log?: readonly string[];
}

export const TERMINAL_PHASES: readonly Phase[] = ['DONE', 'ROLLED_BACK', 'ROLLBACK_FAILED', 'REFUSED'];

const sagemaker = new SageMakerClient({});
const cloudwatch = new CloudWatchClient({});
const autoscaling = new ApplicationAutoScalingClient({});

/** The canary's instance count for a share of traffic: in proportion to the stable fleet, at least one. */
export function canaryInstanceCount(stableInstances: number, percent: number): number {
  return Math.max(1, Math.ceil((stableInstances * percent) / 100));
}

export async function tick(input: ControllerState, now: Date): Promise<ControllerState> {
  if (TERMINAL_PHASES.includes(input.phase)) return input;
  let state: ControllerState = input.startedAt ? input : { ...input, startedAt: now.toISOString() };
  if (state.error) {
    // The state machine caught a failure of the task itself and set the phase to ROLLBACK.
    const what = `the controller failed (${state.controllerFailures ?? 1}): ${state.error.Error ?? 'Error'}: ${state.error.Cause ?? ''}`;
    state = note({ ...state, error: undefined, reason: state.reason ?? what }, `rolling back: ${what}`);
  }
  const deadline = state.deadlineSeconds !== undefined ? new Date(state.startedAt!).getTime() + state.deadlineSeconds * 1000 : undefined;
  if (deadline !== undefined && now.getTime() > deadline && state.phase !== 'ROLLBACK') {
    return toRollback(state, `the rollout passed its deadline of ${state.deadlineSeconds} s in phase ${state.phase}`);
  }
  try {
    switch (state.phase) {
      case 'START': return await start(state, now);
      case 'SHADOW_PROVISIONING': return await awaitShadow(state, now);
      case 'SHADOWING': return await watchShadow(state, now);
      case 'PROVISIONING': return await awaitUpdate(state, now, state.canaryConfigName!, 'the canary variant');
      case 'SHIFTING': return await awaitUpdate(state, now, state.canaryConfigName!, `the weights of step ${state.stepIndex + 1}`);
      case 'BAKING': return await bake(state, now);
      case 'PROMOTING': return await awaitPromotion(state, now);
      case 'ROLLBACK': return await rollBack(state, now);
    }
  } catch (e) {
    const err = e as Error;
    const what = `${err.name ?? 'Error'}: ${err.message}`;
    if (state.phase === 'ROLLBACK') {
      const attempts = (state.rollbackAttempts ?? 0) + 1;
      if (attempts >= MAX_ROLLBACK_ATTEMPTS) {
        return note({ ...state, phase: 'ROLLBACK_FAILED', rollbackAttempts: attempts, waitSeconds: 0, reason: `${state.reason ?? 'rollback'}; rolling back failed ${attempts} times, last: ${what}. The endpoint needs a person: see the log` }, `rollback failed: ${what}`);
      }
      return note({ ...state, rollbackAttempts: attempts, waitSeconds: PROVISIONING_POLL_SECONDS }, `rollback attempt ${attempts} failed: ${what}`);
    }
    return toRollback(state, `${state.phase} failed: ${what}`);
  }
  return state;
}

function note(state: ControllerState, line: string): ControllerState {
  console.log(JSON.stringify({ endpoint: state.endpointName, phase: state.phase, step: state.stepIndex, message: line }));
  return { ...state, log: [...(state.log ?? []), line].slice(-50) };
}

function toRollback(state: ControllerState, reason: string): ControllerState {
  return note({ ...state, phase: 'ROLLBACK', reason, rollbackAttempts: 0, waitSeconds: 0 }, `rolling back: ${reason}`);
}

function variant(desc: DescribeEndpointCommandOutput, name: string) {
  return desc.ProductionVariants?.find((v) => v.VariantName === name);
}

function desiredCount(v: { DesiredInstanceCount?: number; CurrentInstanceCount?: number } | undefined): number {
  return v?.DesiredInstanceCount ?? v?.CurrentInstanceCount ?? 1;
}

export async function describeEndpoint(name: string): Promise<DescribeEndpointCommandOutput> {
  return sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
}

async function onlyVariant(configName: string) {
  const config = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }));
  const variants = config.ProductionVariants ?? [];
  if (variants.length !== 1) throw new Error(`endpoint config ${configName} has ${variants.length} production variants; the rollout expects exactly one`);
  return { config, variant: variants[0] };
}

function scalableResource(state: RolloutInput): string {
  return `endpoint/${state.endpointName}/variant/${state.variantName}`;
}

/** Keeps a rollback from finding a stable fleet that scaled in while it served 0%. */
async function setScaleInSuspended(state: RolloutInput, suspended: boolean): Promise<boolean> {
  const found = await autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker', ResourceIds: [scalableResource(state)], ScalableDimension: 'sagemaker:variant:DesiredInstanceCount' }));
  const target = found.ScalableTargets?.[0];
  if (!target) return false;
  if (suspended && target.SuspendedState?.DynamicScalingInSuspended) return false;
  await autoscaling.send(new RegisterScalableTargetCommand({
    ServiceNamespace: 'sagemaker',
    ResourceId: scalableResource(state),
    ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    SuspendedState: { DynamicScalingInSuspended: suspended },
  }));
  return true;
}

async function start(state: ControllerState, now: Date): Promise<ControllerState> {
  const desc = await describeEndpoint(state.endpointName);
  if (isLeftoverCanary(state, desc)) return rollBackLeftover(state, desc, now);
  if (desc.EndpointStatus !== 'InService' || variant(desc, state.canaryVariantName) || (desc.ProductionVariants?.length ?? 0) !== 1) {
    // Never touch an endpoint another rollout (or a person) is changing: rolling it back would undo their work.
    return note({ ...state, phase: 'REFUSED', waitSeconds: 0, reason: `endpoint ${state.endpointName} is ${desc.EndpointStatus} with variants ${(desc.ProductionVariants ?? []).map((v) => v.VariantName).join(', ')}: another rollout or update is in progress. Wait for it to finish (or roll it back), then deploy again` }, 'refused: endpoint busy');
  }
  const originalConfigName = desc.EndpointConfigName!;
  await deleteEarlierRolloutConfigs(state, originalConfigName);
  const current = await onlyVariant(originalConfigName);
  const target = await onlyVariant(state.targetEndpointConfigName);
  if (current.variant.ModelName === target.variant.ModelName) {
    return note({ ...state, phase: 'DONE', waitSeconds: 0, originalConfigName, reason: `the stable variant already serves model ${target.variant.ModelName}: nothing to roll out` }, 'nothing to do');
  }
  if (current.variant.VariantName !== state.variantName) {
    throw new Error(`the endpoint's variant is ${current.variant.VariantName}, the rollout expects ${state.variantName}`);
  }
  const rolloutId = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const stable = desiredCount(variant(desc, state.variantName));
  const scaleInSuspended = await setScaleInSuspended(state, true);
  const next = note({ ...state, rolloutId, originalConfigName, scaleInSuspended }, scaleInSuspended ? 'suspended scale-in of the stable variant' : 'stable variant has no scalable target');
  if (!state.shadow) return provisionCanary(next, current, target, stable);

  const shadowConfigName = `${state.configPrefix}-${rolloutId}-s`;
  await sagemaker.send(new CreateEndpointConfigCommand({
    EndpointConfigName: shadowConfigName,
    KmsKeyId: target.config.KmsKeyId ?? current.config.KmsKeyId,
    ProductionVariants: [{ ...current.variant, InitialInstanceCount: stable, InitialVariantWeight: 1 }],
    // The sampling share is the shadow's weight relative to the production variant's.
    ShadowProductionVariants: [{ ...target.variant, VariantName: state.canaryVariantName, InitialInstanceCount: canaryInstanceCount(stable, state.shadow.percent), InitialVariantWeight: state.shadow.percent / 100 }],
  }));
  await sagemaker.send(new UpdateEndpointCommand({ EndpointName: state.endpointName, EndpointConfigName: shadowConfigName }));
  return note({ ...next, shadowConfigName, phase: 'SHADOW_PROVISIONING', waitSeconds: PROVISIONING_POLL_SECONDS }, `provisioning shadow variant ${state.canaryVariantName} (${target.variant.ModelName}) on a copy of ${state.shadow.percent}% of requests`);
}

/**
 * An earlier execution of this rollout that stopped mid-canary (before the deadline and the retrying
 * Catch existed, or after they too gave up): in service on one of this controller's canary configs
 * (`<configPrefix>-<id>-c`) with exactly the stable and the canary variant. No other execution is running
 * (the trigger starts one only when none is), so nobody else is changing the endpoint.
 */
function isLeftoverCanary(state: ControllerState, desc: DescribeEndpointCommandOutput): boolean {
  const names = (desc.ProductionVariants ?? []).map((v) => v.VariantName).sort();
  const config = desc.EndpointConfigName ?? '';
  return desc.EndpointStatus === 'InService'
    && config.startsWith(`${state.configPrefix}-`) && config.endsWith('-c')
    && names.length === 2 && names.includes(state.variantName) && names.includes(state.canaryVariantName);
}

/**
 * Rolls such a leftover back instead of refusing forever: the original (stack) config is not known any
 * more, so a one-variant config is made from the canary config's stable variant (the old model) and the
 * usual rollback restores it: all traffic to the stable variant, then the canary removed. The execution
 * then ends ROLLED_BACK (the stack update fails); the next deploy starts clean.
 */
async function rollBackLeftover(state: ControllerState, desc: DescribeEndpointCommandOutput, now: Date): Promise<ControllerState> {
  const leftover = desc.EndpointConfigName!;
  const config = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: leftover }));
  const stable = config.ProductionVariants?.find((v) => v.VariantName === state.variantName);
  if (!stable) throw new Error(`endpoint config ${leftover} has no variant ${state.variantName}`);
  const rolloutId = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const restoreConfigName = `${state.configPrefix}-${rolloutId}-r`;
  await sagemaker.send(new CreateEndpointConfigCommand({
    EndpointConfigName: restoreConfigName,
    KmsKeyId: config.KmsKeyId,
    ProductionVariants: [{ ...stable, InitialInstanceCount: desiredCount(variant(desc, state.variantName)), InitialVariantWeight: 1 }],
  }));
  // scaleInSuspended: the earlier run suspended the stable variant's scale-in; the rollback resumes it.
  return toRollback({ ...state, rolloutId, originalConfigName: restoreConfigName, canaryConfigName: leftover, scaleInSuspended: true },
    `an earlier run of this rollout left the endpoint on its canary config ${leftover} with the canary serving; rolled back to the stable variant (${stable.ModelName}) on ${restoreConfigName}. Deploy again`);
}

/** The names of the endpoint configs this controller creates: `<prefix>-<yyyymmddhhmmss>-<s|c|p|r>`. */
export function isRolloutConfigName(configPrefix: string, name: string): boolean {
  return name.startsWith(`${configPrefix}-`) && /^-\d{14}-[scpr]$/.test(name.slice(configPrefix.length));
}

/**
 * Deletes the configs earlier rollouts of this endpoint left behind: above all the promoted `-p` config,
 * which the endpoint uses until CloudFormation moves it to the stack's own config after the rollout, so no
 * rollout can delete its own. Runs when the next rollout starts, on an endpoint that is in service on
 * `inUse`; best effort (a leftover config costs nothing, the quota of endpoint configs is what fills up).
 */
async function deleteEarlierRolloutConfigs(state: ControllerState, inUse: string): Promise<void> {
  let nextToken: string | undefined;
  const names: string[] = [];
  try {
    do {
      const out = await sagemaker.send(new ListEndpointConfigsCommand({ NameContains: state.configPrefix, MaxResults: 100, NextToken: nextToken }));
      names.push(...(out.EndpointConfigs ?? []).map((c) => c.EndpointConfigName!).filter(Boolean));
      nextToken = out.NextToken;
    } while (nextToken);
  } catch (e) {
    console.log(JSON.stringify({ endpoint: state.endpointName, message: `could not list earlier rollout configs: ${(e as Error).message}` }));
    return;
  }
  for (const name of names.filter((n) => isRolloutConfigName(state.configPrefix, n) && n !== inUse && n !== state.targetEndpointConfigName)) {
    try {
      await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }));
      console.log(JSON.stringify({ endpoint: state.endpointName, message: `deleted endpoint config ${name} of an earlier rollout` }));
    } catch (e) {
      console.log(JSON.stringify({ endpoint: state.endpointName, message: `could not delete ${name}: ${(e as Error).message}` }));
    }
  }
}

type ConfigVariant = Awaited<ReturnType<typeof onlyVariant>>;

async function provisionCanary(state: ControllerState, current: ConfigVariant, target: ConfigVariant, stable: number): Promise<ControllerState> {
  const first = state.steps[0];
  const canaryConfigName = `${state.configPrefix}-${state.rolloutId}-c`;
  await sagemaker.send(new CreateEndpointConfigCommand({
    EndpointConfigName: canaryConfigName,
    KmsKeyId: target.config.KmsKeyId ?? current.config.KmsKeyId,
    ProductionVariants: [
      { ...current.variant, InitialInstanceCount: stable, InitialVariantWeight: 100 - first.percent },
      { ...target.variant, VariantName: state.canaryVariantName, InitialInstanceCount: canaryInstanceCount(stable, first.percent), InitialVariantWeight: first.percent },
    ],
  }));
  await sagemaker.send(new UpdateEndpointCommand({ EndpointName: state.endpointName, EndpointConfigName: canaryConfigName }));
  const next = note({ ...state, canaryConfigName }, `provisioning canary variant ${state.canaryVariantName} (${target.variant.ModelName}) at ${first.percent}% beside ${stable} stable instance(s)`);
  return { ...next, phase: 'PROVISIONING', stepIndex: 0, waitSeconds: PROVISIONING_POLL_SECONDS };
}

async function awaitShadow(state: ControllerState, now: Date): Promise<ControllerState> {
  const desc = await describeEndpoint(state.endpointName);
  if (desc.EndpointStatus === 'Updating' || desc.EndpointStatus === 'Creating') return { ...state, waitSeconds: PROVISIONING_POLL_SECONDS };
  if (desc.EndpointStatus === 'InService' && desc.EndpointConfigName === state.shadowConfigName && desc.ShadowProductionVariants?.some((v) => v.VariantName === state.canaryVariantName)) {
    return note({ ...state, phase: 'SHADOWING', shadowStartedAt: now.toISOString(), waitSeconds: Math.min(state.pollSeconds, state.shadow!.durationSeconds) }, `shadowing ${state.shadow!.percent}% for ${state.shadow!.durationSeconds} s`);
  }
  return toRollback(state, `the shadow variant did not come into service: endpoint is ${desc.EndpointStatus} on ${desc.EndpointConfigName}${desc.FailureReason ? ` (${desc.FailureReason})` : ''}`);
}

async function watchShadow(state: ControllerState, now: Date): Promise<ControllerState> {
  const alarm = await firingAlarm(state.canaryAlarmNames);
  if (alarm) return toRollback(state, `alarm ${alarm} fired while the new model ran as a shadow (no user saw its answers)`);
  const elapsed = (now.getTime() - new Date(state.shadowStartedAt!).getTime()) / 1000;
  const left = state.shadow!.durationSeconds - elapsed;
  if (left > 0) return { ...state, waitSeconds: Math.max(1, Math.min(state.pollSeconds, Math.ceil(left))) };
  // The shadow passed: it becomes the canary (same variant name, so the same alarms keep watching it).
  const desc = await describeEndpoint(state.endpointName);
  const current = await onlyVariant(state.originalConfigName!);
  const target = await onlyVariant(state.targetEndpointConfigName);
  return provisionCanary(note(state, 'shadow passed'), current, target, desiredCount(variant(desc, state.variantName)));
}

/** Waits for an update to finish on `configName`; then the step at stepIndex starts baking. */
async function awaitUpdate(state: ControllerState, now: Date, configName: string, what: string): Promise<ControllerState> {
  const alarm = await firingAlarm(state.canaryAlarmNames);
  if (alarm && state.phase === 'SHIFTING') return toRollback(state, `alarm ${alarm} fired while shifting to step ${state.stepIndex + 1} (${state.steps[state.stepIndex].percent}%)`);
  const desc = await describeEndpoint(state.endpointName);
  if (desc.EndpointStatus === 'Updating' || desc.EndpointStatus === 'Creating') return { ...state, waitSeconds: PROVISIONING_POLL_SECONDS };
  if (desc.EndpointStatus === 'InService' && desc.EndpointConfigName === configName && variant(desc, state.canaryVariantName)) {
    const step = state.steps[state.stepIndex];
    return note({ ...state, phase: 'BAKING', stepStartedAt: now.toISOString(), waitSeconds: Math.min(state.pollSeconds, Math.max(1, step.bakeSeconds)) }, `step ${state.stepIndex + 1}: ${step.percent}% on the new model, baking ${step.bakeSeconds} s`);
  }
  return toRollback(state, `${what} did not come into service: endpoint is ${desc.EndpointStatus} on ${desc.EndpointConfigName}${desc.FailureReason ? ` (${desc.FailureReason})` : ''}`);
}

/**
 * The first of the alarms that CloudWatch reports in ALARM, read from CloudWatch (never from a message).
 * AlarmTypes names both kinds: without it DescribeAlarms returns metric alarms only, so a composite alarm
 * would never be seen (CloudWatch API reference, DescribeAlarms). An alarm CloudWatch does not return (deleted,
 * or not readable) cannot be verified, and counts as firing: the rollout does not go on blind.
 */
export async function firingAlarm(names: readonly string[]): Promise<string | undefined> {
  if (names.length === 0) return undefined;
  const found = new Map<string, string | undefined>();
  for (let i = 0; i < names.length; i += 100) {
    let nextToken: string | undefined;
    do {
      const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), AlarmTypes: ['CompositeAlarm', 'MetricAlarm'], NextToken: nextToken }));
      for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) if (a.AlarmName) found.set(a.AlarmName, a.StateValue);
      nextToken = out.NextToken;
    } while (nextToken);
  }
  const firing = names.find((n) => found.get(n) === 'ALARM');
  if (firing) return firing;
  const missing = names.find((n) => !found.has(n));
  return missing ? `${missing} (not found in CloudWatch: its state cannot be verified)` : undefined;
}

async function bake(state: ControllerState, now: Date): Promise<ControllerState> {
  const step = state.steps[state.stepIndex];
  const alarm = await firingAlarm(state.canaryAlarmNames);
  if (alarm) return toRollback(state, `alarm ${alarm} fired during step ${state.stepIndex + 1} (${step.percent}%)`);
  const elapsed = (now.getTime() - new Date(state.stepStartedAt!).getTime()) / 1000;
  if (elapsed < step.bakeSeconds) return { ...state, waitSeconds: Math.max(1, Math.min(state.pollSeconds, Math.ceil(step.bakeSeconds - elapsed))) };

  const desc = await describeEndpoint(state.endpointName);
  const stable = desiredCount(variant(desc, state.variantName));
  const canary = desiredCount(variant(desc, state.canaryVariantName));
  const nextIndex = state.stepIndex + 1;
  if (nextIndex < state.steps.length) {
    const pct = state.steps[nextIndex].percent;
    await sagemaker.send(new UpdateEndpointWeightsAndCapacitiesCommand({
      EndpointName: state.endpointName,
      DesiredWeightsAndCapacities: [
        { VariantName: state.variantName, DesiredWeight: 100 - pct },
        { VariantName: state.canaryVariantName, DesiredWeight: pct, DesiredInstanceCount: Math.max(canary, canaryInstanceCount(stable, pct)) },
      ],
    }));
    return note({ ...state, phase: 'SHIFTING', stepIndex: nextIndex, waitSeconds: PROVISIONING_POLL_SECONDS }, `shifting to ${pct}%`);
  }

  // Every step baked: the new model takes the stable variant with the larger fleet of the two.
  const target = await onlyVariant(state.targetEndpointConfigName);
  const promotedConfigName = `${state.configPrefix}-${state.rolloutId}-p`;
  const count = Math.max(stable, canary);
  await sagemaker.send(new CreateEndpointConfigCommand({
    EndpointConfigName: promotedConfigName,
    KmsKeyId: target.config.KmsKeyId,
    ProductionVariants: [{ ...target.variant, VariantName: state.variantName, InitialInstanceCount: count, InitialVariantWeight: 1 }],
  }));
  const alarms = [...state.canaryAlarmNames, ...state.promotionAlarmNames].slice(0, 10);
  await sagemaker.send(new UpdateEndpointCommand({
    EndpointName: state.endpointName,
    EndpointConfigName: promotedConfigName,
    // SageMaker itself undoes the swap if an alarm fires before it completes.
    DeploymentConfig: alarms.length > 0 ? {
      BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 }, TerminationWaitInSeconds: 0 },
      AutoRollbackConfiguration: { Alarms: alarms.map((AlarmName) => ({ AlarmName })) },
    } : undefined,
  }));
  return note({ ...state, phase: 'PROMOTING', promotedConfigName, waitSeconds: PROVISIONING_POLL_SECONDS }, `promoting: ${target.variant.ModelName} on ${state.variantName} with ${count} instance(s)`);
}

async function awaitPromotion(state: ControllerState, _now: Date): Promise<ControllerState> {
  const alarm = await firingAlarm([...state.canaryAlarmNames, ...state.promotionAlarmNames]);
  if (alarm) return toRollback(state, `alarm ${alarm} fired during promotion`);
  const desc = await describeEndpoint(state.endpointName);
  if (desc.EndpointStatus === 'Updating') return { ...state, waitSeconds: PROVISIONING_POLL_SECONDS };
  if (desc.EndpointStatus === 'InService' && desc.EndpointConfigName === state.promotedConfigName) {
    await finish(state);
    return note({ ...state, phase: 'DONE', waitSeconds: 0, reason: 'promoted' }, 'promoted; canary variant removed');
  }
  return toRollback(state, `promotion did not complete: endpoint is ${desc.EndpointStatus} on ${desc.EndpointConfigName}${desc.FailureReason ? ` (${desc.FailureReason})` : ''}`);
}

/** Resumes scale-in and deletes the canary config (the endpoint no longer uses it). */
async function finish(state: ControllerState): Promise<void> {
  if (state.scaleInSuspended) await setScaleInSuspended(state, false);
  for (const name of [state.shadowConfigName, state.canaryConfigName]) {
    if (!name) continue;
    try {
      await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }));
    } catch (e) {
      // A leftover config costs nothing; the rollout's outcome must not depend on cleaning it up.
      console.log(JSON.stringify({ endpoint: state.endpointName, message: `could not delete ${name}: ${(e as Error).message}` }));
    }
  }
}

/**
 * One action per tick until the endpoint is back on its original config with all traffic on the old
 * model: first the weights (seconds, no provisioning), then the config (removes the canary variant, keeps
 * the stable variant's instance count), then scale-in resumes.
 */
async function rollBack(state: ControllerState, now: Date): Promise<ControllerState> {
  const desc = await describeEndpoint(state.endpointName);
  if (desc.EndpointStatus === 'Updating' || desc.EndpointStatus === 'Creating' || desc.EndpointStatus === 'RollingBack' || desc.EndpointStatus === 'SystemUpdating') {
    return { ...state, waitSeconds: PROVISIONING_POLL_SECONDS };
  }
  // A rollback handed over without the original config (an execution stopped while its first tick was
  // creating the canary): the canary config's stable variant is the way back, as for a leftover.
  if (!state.originalConfigName && isLeftoverCanary(state, desc)) return rollBackLeftover(state, desc, now);
  const canary = variant(desc, state.canaryVariantName);
  if (desc.EndpointStatus === 'InService' && canary && (canary.CurrentWeight ?? canary.DesiredWeight ?? 0) > 0) {
    await sagemaker.send(new UpdateEndpointWeightsAndCapacitiesCommand({
      EndpointName: state.endpointName,
      DesiredWeightsAndCapacities: [
        { VariantName: state.variantName, DesiredWeight: 100 },
        { VariantName: state.canaryVariantName, DesiredWeight: 0 },
      ],
    }));
    return note({ ...state, waitSeconds: PROVISIONING_POLL_SECONDS, rollbackAttempts: 0 }, 'all traffic back on the stable variant');
  }
  if (state.originalConfigName && desc.EndpointConfigName !== state.originalConfigName) {
    await sagemaker.send(new UpdateEndpointCommand({
      EndpointName: state.endpointName,
      EndpointConfigName: state.originalConfigName,
      // Keep the stable variant's instance count; the weight comes from the original config (1 of 1).
      RetainAllVariantProperties: true,
      ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DesiredWeight' }],
    }));
    return note({ ...state, waitSeconds: PROVISIONING_POLL_SECONDS, rollbackAttempts: 0 }, `restoring endpoint config ${state.originalConfigName}`);
  }
  if (desc.EndpointStatus !== 'InService') throw new Error(`endpoint is ${desc.EndpointStatus} on its original config${desc.FailureReason ? ` (${desc.FailureReason})` : ''}`);
  await finish(state);
  if (state.promotedConfigName) {
    try {
      await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: state.promotedConfigName }));
    } catch {
      // See finish(): cleanup is best effort.
    }
  }
  return note({ ...state, phase: 'ROLLED_BACK', waitSeconds: 0 }, `rolled back to ${state.originalConfigName}`);
}
