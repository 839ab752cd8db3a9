/**
 * The canary controller: moves a Vertex AI endpoint's traffic through the rollout's steps, rolls back to the
 * stable deployed model when a rollback alert fires for the canary, and undeploys the loser. Its state lives
 * in one Cloud Storage object the deployer writes when a canary starts; every write is conditional on the
 * generation it read, so a tick and an alert arriving together cannot both act.
 *
 * Each invocation first decides (a pure function of state, event and time), then reconciles the endpoint
 * with the decided state, so a failed call is repaired by the next tick.
 */
import { GoogleRest, Operation } from '../rest/client';
import { PubsubCloudEvent, decodeMessage } from '../rest/pubsub';
import { readJsonObject, writeJsonObject } from '../rest/storage';
import { EndpointView, endpointName, trafficSplitUpdate, undeployModelRequest, vertexHost } from '../vertex/bodies';
import { RolloutState } from '../vertex/plan';
import { parseEnvironment } from '../../../lib/internal/function-environment';
import { ControllerConfig, ROLLOUT_CONTROLLER_ENV } from './environment';

export type { ControllerConfig };

export type ControllerEvent =
  | { readonly kind: 'tick' }
  | { readonly kind: 'alert'; readonly state: string; readonly policy: string; readonly deployedModelId?: string; readonly endpointId?: string }
  | { readonly kind: 'ignored'; readonly reason: string };

export function readControllerConfig(env: Readonly<Record<string, string | undefined>>): ControllerConfig {
  return parseEnvironment(ROLLOUT_CONTROLLER_ENV, env);
}

/** A scheduler tick (`{"kind":"tick"}`) or a Cloud Monitoring incident (notification schema 1.2). */
export function parseEvent(event: PubsubCloudEvent): ControllerEvent {
  const { json } = decodeMessage(event);
  const body = json as { kind?: string; incident?: { state?: string; policy_name?: string; metric?: { labels?: Record<string, string> }; resource?: { labels?: Record<string, string> } } } | undefined;
  if (body?.kind === 'tick') return { kind: 'tick' };
  if (body?.incident) {
    return {
      kind: 'alert',
      state: body.incident.state ?? 'unknown',
      policy: body.incident.policy_name ?? 'unknown policy',
      deployedModelId: body.incident.metric?.labels?.deployed_model_id,
      endpointId: body.incident.resource?.labels?.endpoint_id,
    };
  }
  return { kind: 'ignored', reason: 'neither a tick nor a Cloud Monitoring incident' };
}

function splitFor(state: RolloutState): Record<string, number> {
  if (state.status === 'ROLLED_BACK') return { [state.stable]: 100 };
  if (state.status === 'COMPLETED') return { [state.canary]: 100 };
  const p = state.steps[state.step].trafficPercent;
  return p >= 100 ? { [state.canary]: 100 } : { [state.canary]: p, [state.stable]: 100 - p };
}

/** The next state, or the same object when nothing changes. */
export function decide(state: RolloutState, event: ControllerEvent, now: Date): RolloutState {
  if (state.status !== 'IN_PROGRESS') return state;
  const at = now.toISOString();
  if (event.kind === 'alert') {
    if (event.state !== 'open') return state;
    if (event.endpointId !== undefined && event.endpointId !== state.endpointId) return state;
    // An alert on the stable model is not the canary's fault; one without a model label covers the canary too.
    if (event.deployedModelId !== undefined && event.deployedModelId !== state.canary) return state;
    return { ...state, status: 'ROLLED_BACK', stepStartedAt: at, history: [...state.history, `${at} rolled back: ${event.policy}`] };
  }
  if (event.kind !== 'tick') return state;
  const bakeMs = state.steps[state.step].bakeSeconds * 1000;
  if (now.getTime() - Date.parse(state.stepStartedAt) < bakeMs) return state;
  if (state.step >= state.steps.length - 1) {
    return { ...state, status: 'COMPLETED', stepStartedAt: at, history: [...state.history, `${at} completed; ${state.stable} undeployed`] };
  }
  const step = state.step + 1;
  return { ...state, step, stepStartedAt: at, history: [...state.history, `${at} step ${step}: ${state.steps[step].trafficPercent}% on ${state.canary}`] };
}

export interface ControllerResult {
  readonly action: 'none' | 'advanced' | 'rolled-back' | 'completed' | 'reconciled' | 'superseded';
  readonly status?: string;
  readonly trafficSplit?: Readonly<Record<string, number>>;
  readonly undeployed?: string;
  readonly detail?: string;
}

function same(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const clean = (s: Readonly<Record<string, number>>) => Object.entries(s).filter(([, v]) => v > 0).sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify(clean(a)) === JSON.stringify(clean(b));
}

/** Makes the endpoint match the state: the split, and for a finished rollout the loser undeployed. */
async function reconcile(rest: GoogleRest, state: RolloutState): Promise<{ changed: boolean; split: Record<string, number>; undeployed?: string }> {
  const host = vertexHost(state.location);
  const endpoint = endpointName(state.project, state.location, state.endpointId);
  const view = await rest.request<EndpointView>('GET', `${host}/v1/${endpoint}`);
  const deployedIds = (view.deployedModels ?? []).map((d) => d.id);
  const split = splitFor(state);
  const missing = Object.keys(split).filter((id) => !deployedIds.includes(id));
  if (missing.length > 0) throw new Error(`endpoint ${endpoint} no longer has deployed model ${missing.join(', ')}; the rollout cannot continue`);
  let changed = false;
  // The split first, in a call that takes effect at once: on a rollback, traffic leaves the canary now,
  // not when the undeploy's long-running operation gets round to it.
  if (!same(view.trafficSplit ?? {}, split)) {
    await rest.request('PATCH', `${host}/v1/${endpoint}?updateMask=trafficSplit`, trafficSplitUpdate(split));
    changed = true;
  }
  const loser = state.status === 'ROLLED_BACK' ? state.canary : state.status === 'COMPLETED' ? state.stable : undefined;
  if (loser && deployedIds.includes(loser)) {
    // The loser has no traffic left; the split is sent again so the undeploy cannot leave it any.
    const op = await rest.request<Operation>('POST', `${host}/v1/${endpoint}:undeployModel`, undeployModelRequest(loser, split));
    await rest.waitForOperation(host, op, 1800, `undeploy ${loser}`);
    return { changed: true, split, undeployed: loser };
  }
  return { changed, split };
}

export async function handle(rest: GoogleRest, config: ControllerConfig, event: ControllerEvent, now: Date = new Date()): Promise<ControllerResult> {
  const log = (entry: Record<string, unknown>) => rest.log(JSON.stringify({ source: 'rollout-controller', ...entry }));
  if (event.kind === 'ignored') {
    log({ event: 'ignored', reason: event.reason });
    return { action: 'none', detail: event.reason };
  }
  const stored = await readJsonObject<RolloutState & { settled?: boolean }>(rest, config.stateBucket, config.stateObject);
  if (!stored) return { action: 'none', detail: 'no rollout has started' };
  let state = stored.value;
  if (state.status !== 'IN_PROGRESS' && stored.value.settled) return { action: 'none', status: state.status };

  const next = decide(state, event, now);
  let generation = stored.generation;
  if (next !== state) {
    if (!(await writeJsonObject(rest, config.stateBucket, config.stateObject, next, generation))) {
      log({ event: 'superseded', reason: 'another invocation changed the rollout first' });
      return { action: 'superseded', status: state.status };
    }
    state = next;
    const reread = await readJsonObject<RolloutState>(rest, config.stateBucket, config.stateObject);
    generation = reread?.generation ?? generation;
  }
  let outcome;
  try {
    outcome = await reconcile(rest, state);
  } catch (e) {
    // Thrown so Pub/Sub redelivers; the next tick reconciles from the same state anyway.
    log({ event: 'reconcile-failed', status: state.status, error: (e as Error).message });
    throw e;
  }
  if (state.status !== 'IN_PROGRESS') {
    await writeJsonObject(rest, config.stateBucket, config.stateObject, { ...state, settled: true }, generation);
  }
  const action: ControllerResult['action'] = next !== stored.value
    ? (state.status === 'ROLLED_BACK' ? 'rolled-back' : state.status === 'COMPLETED' ? 'completed' : 'advanced')
    : outcome.changed ? 'reconciled' : 'none';
  const result: ControllerResult = { action, status: state.status, trafficSplit: outcome.split, undeployed: outcome.undeployed };
  log({ event: action, ...result, endpointId: state.endpointId, canary: state.canary, stable: state.stable });
  return result;
}
