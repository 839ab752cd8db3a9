/**
 * The canary controller: moves a Vertex AI endpoint's traffic through the rollout's steps, rolls back to the
 * stable deployed model when Cloud Monitoring reports one of the rollout's alerts open for the canary, and
 * undeploys the loser. Its state lives in one Cloud Storage object the deployer writes when a canary starts;
 * every write is conditional on the generation it read, so a tick and an alert arriving together cannot
 * both act.
 *
 * A Pub/Sub message is only a cue: any principal allowed to publish on the topic can send one, so what an
 * incident message says is never acted on. Every invocation asks the Alerts API which of the rollout's alert
 * policies have an open alert, and only such an alert on the canary (or one without a model label) rolls back;
 * no step advances while one is open.
 *
 * Each invocation first decides (a pure function of state, event, the open alerts and time), then reconciles
 * the endpoint with the decided state, so a failed call is repaired by the next tick. An undeploy still
 * running when the invocation's wait budget ends is recorded and picked up by the next tick, so the function
 * never runs into its 540 s timeout.
 */
import { GoogleRest, Operation, OperationTimeoutError } from '../rest/client';
import { MonitoringAlert, openAlertsOf } from '../rest/monitoring';
import { PubsubCloudEvent, decodeMessage } from '../rest/pubsub';
import { readJsonObject, writeJsonObject } from '../rest/storage';
import { EndpointView, endpointName, trafficSplitUpdate, undeployModelRequest, vertexHost } from '../vertex/bodies';
import { RolloutState } from '../vertex/plan';
import { parseEnvironment } from '../../../lib/internal/function-environment';
import { ControllerConfig, ROLLOUT_CONTROLLER_ENV } from './environment';

export type { ControllerConfig };

/** The function's timeout (`PubsubFunction`: `timeoutSeconds: 540`). */
export const FUNCTION_TIMEOUT_MS = 540_000;
/** The most one invocation waits for an undeploy: well inside the function's timeout, with room for the rest. */
export const UNDEPLOY_WAIT_BUDGET_MS = 420_000;

/** The message's kind only: a notification is a cue to look, its content is not evidence. */
export type ControllerEvent =
  | { readonly kind: 'tick' }
  | { readonly kind: 'alert'; readonly policy: string }
  | { readonly kind: 'ignored'; readonly reason: string };

/** An open alert as the Alerts API reports it, reduced to what the decision needs. */
export interface OpenAlert {
  readonly name: string;
  readonly policy: string;
  readonly deployedModelId?: string;
  readonly endpointId?: string;
  readonly openTime?: string;
}

export function readControllerConfig(env: Readonly<Record<string, string | undefined>>): ControllerConfig {
  return parseEnvironment(ROLLOUT_CONTROLLER_ENV, env);
}

/** A scheduler tick (`{"kind":"tick"}`) or a Cloud Monitoring notification (schema 1.2); anything else is ignored. */
export function parseEvent(event: PubsubCloudEvent): ControllerEvent {
  const { json } = decodeMessage(event);
  const body = json as { kind?: string; incident?: { policy_name?: string } } | undefined;
  if (body?.kind === 'tick') return { kind: 'tick' };
  if (body?.incident) return { kind: 'alert', policy: String(body.incident.policy_name ?? 'unknown policy') };
  return { kind: 'ignored', reason: 'neither a tick nor a Cloud Monitoring incident' };
}

export function toOpenAlert(a: MonitoringAlert): OpenAlert {
  return {
    name: a.name,
    policy: a.policy?.displayName ?? a.policy?.name ?? 'unknown policy',
    deployedModelId: a.metric?.labels?.deployed_model_id,
    endpointId: a.resource?.labels?.endpoint_id,
    openTime: a.openTime,
  };
}

function splitFor(state: RolloutState): Record<string, number> {
  if (state.status === 'ROLLED_BACK') return { [state.stable]: 100 };
  if (state.status === 'COMPLETED') return { [state.canary]: 100 };
  const p = state.steps[state.step].trafficPercent;
  return p >= 100 ? { [state.canary]: 100 } : { [state.canary]: p, [state.stable]: 100 - p };
}

/** The open alert that rolls this rollout back: on this endpoint, on the canary or on no model in particular. */
export function breach(state: RolloutState, alerts: readonly OpenAlert[]): OpenAlert | undefined {
  // Deployed-model ids come from the plan's hash, so re-applying a rolled-back plan reuses the id: an alert opened
  // before this canary started belongs to the earlier one.
  const started = state.startedAt ? Date.parse(state.startedAt) : NaN;
  return alerts.find((a) => (a.endpointId === undefined || a.endpointId === state.endpointId) &&
    (a.deployedModelId === undefined || a.deployedModelId === state.canary) &&
    !(a.openTime !== undefined && Date.parse(a.openTime) < started));
}

/** The next state, or the same object when nothing changes. `alerts` are the provider's open alerts of this rollout's policies. */
export function decide(state: RolloutState, event: ControllerEvent, now: Date, alerts: readonly OpenAlert[]): RolloutState {
  if (state.status !== 'IN_PROGRESS' || event.kind === 'ignored') return state;
  const at = now.toISOString();
  const open = breach(state, alerts);
  if (open) return { ...state, status: 'ROLLED_BACK', stepStartedAt: at, history: [...state.history, `${at} rolled back: ${open.policy} (open alert ${open.name})`] };
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

type StoredState = RolloutState & { settled?: boolean; pendingUndeploy?: string };

interface Reconciled {
  readonly changed: boolean;
  readonly split: Record<string, number>;
  readonly undeployed?: string;
  /** An undeploy operation still running when the wait budget ended. */
  readonly pendingUndeploy?: string;
}

/** Makes the endpoint match the state: the split, and for a finished rollout the loser undeployed. */
async function reconcile(rest: GoogleRest, state: StoredState, deadline: number): Promise<Reconciled> {
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
    // An undeploy an earlier invocation left running is waited for, not requested again; one that failed is.
    let op: Operation | undefined = state.pendingUndeploy ? await rest.request<Operation>('GET', `${host}/v1/${state.pendingUndeploy}`) : undefined;
    if (!op || (op.done && op.error)) {
      // The loser has no traffic left; the split is sent again so the undeploy cannot leave it any.
      op = await rest.request<Operation>('POST', `${host}/v1/${endpoint}:undeployModel`, undeployModelRequest(loser, split));
    }
    try {
      await rest.waitForOperation(host, op, Math.max(0, Math.floor((deadline - Date.now()) / 1000)), `undeploy ${loser}`);
    } catch (e) {
      if (e instanceof OperationTimeoutError) return { changed: true, split, pendingUndeploy: op.name };
      throw e;
    }
    return { changed: true, split, undeployed: loser };
  }
  return { changed, split };
}

export async function handle(rest: GoogleRest, config: ControllerConfig, event: ControllerEvent, now: Date = new Date()): Promise<ControllerResult> {
  const deadline = Date.now() + UNDEPLOY_WAIT_BUDGET_MS;
  const log = (entry: Record<string, unknown>) => rest.log(JSON.stringify({ source: 'rollout-controller', ...entry }));
  if (event.kind === 'ignored') {
    log({ event: 'ignored', reason: event.reason });
    return { action: 'none', detail: event.reason };
  }
  const stored = await readJsonObject<StoredState>(rest, config.stateBucket, config.stateObject);
  if (!stored) return { action: 'none', detail: 'no rollout has started' };
  let state = stored.value;
  if (state.status !== 'IN_PROGRESS' && state.settled) return { action: 'none', status: state.status };

  // The provider's record, not the message: which of this rollout's alert policies have an alert open now.
  const alerts = state.status === 'IN_PROGRESS' ? (await openAlertsOf(rest, state.project, config.alertPolicies)).map(toOpenAlert) : [];
  if (event.kind === 'alert' && state.status === 'IN_PROGRESS' && !breach(state, alerts)) {
    log({ event: 'alert-not-confirmed', messagePolicy: event.policy, openAlerts: alerts.map((a) => a.name) });
  }
  const next = decide(state, event, now, alerts);
  let generation = stored.generation;
  if (next !== state) {
    if (!(await writeJsonObject(rest, config.stateBucket, config.stateObject, next, generation))) {
      log({ event: 'superseded', reason: 'another invocation changed the rollout first' });
      return { action: 'superseded', status: state.status };
    }
    state = next;
    const reread = await readJsonObject<StoredState>(rest, config.stateBucket, config.stateObject);
    generation = reread?.generation ?? generation;
  }
  let outcome: Reconciled;
  try {
    outcome = await reconcile(rest, state, deadline);
  } catch (e) {
    // Thrown so Pub/Sub redelivers; the next tick reconciles from the same state anyway.
    log({ event: 'reconcile-failed', status: state.status, error: (e as Error).message });
    throw e;
  }
  if (outcome.pendingUndeploy) {
    // Not settled: the next tick waits for this operation instead of starting another.
    await writeJsonObject(rest, config.stateBucket, config.stateObject, { ...state, pendingUndeploy: outcome.pendingUndeploy }, generation);
  } else if (state.status !== 'IN_PROGRESS') {
    const { pendingUndeploy: _finished, ...finished } = state;
    await writeJsonObject(rest, config.stateBucket, config.stateObject, { ...finished, settled: true }, generation);
  }
  const action: ControllerResult['action'] = next !== stored.value
    ? (state.status === 'ROLLED_BACK' ? 'rolled-back' : state.status === 'COMPLETED' ? 'completed' : 'advanced')
    : outcome.changed ? 'reconciled' : 'none';
  const result: ControllerResult = {
    action,
    status: state.status,
    trafficSplit: outcome.split,
    undeployed: outcome.undeployed,
    detail: outcome.pendingUndeploy ? `undeploy ${outcome.pendingUndeploy} still running; the next tick waits for it` : undefined,
  };
  log({ event: action, ...result, endpointId: state.endpointId, canary: state.canary, stable: state.stable });
  return result;
}
