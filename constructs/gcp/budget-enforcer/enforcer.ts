/**
 * Budget enforcement for Vertex AI endpoints. Cloud Billing publishes a budget's status to Pub/Sub several
 * times a day whatever the thresholds; on the first message of a budget period whose actual cost reaches
 * the enforcement percent, the enforcer pins every deployed model of the guarded endpoints at its floor
 * (`mutateDeployedModel`) or undeploys them, then reports what it did. A marker object per budget period,
 * created only if absent, makes a repeated or concurrent message act once; a failed run marks itself
 * failed so the redelivery tries again.
 *
 * The function runs at most 540 s (`PubSubFunction`'s timeout), so one invocation waits for operations at
 * most `OPERATION_WAIT_BUDGET_MS` in all; operations still running then continue in Vertex AI, and the
 * marker stays IN_PROGRESS. An IN_PROGRESS marker older than `STALE_CLAIM_MS` (longer than the function can
 * run, so its invocation has ended, finished or killed) is stale: the next message re-claims it, under the
 * same generation precondition, and enforces again. Enforcing again is idempotent: a model already at its
 * floor is left alone, an undeployed model is no longer listed (or answers 404, counted as done).
 *
 * Cloud Billing has no API that reports a budget's current spend, so the cost in the message is the only
 * figure there is. What limits a forged message: only Cloud Billing is a publisher on the topic itself
 * (BudgetGuard's binding is authoritative for the role), the attributes must name this guard's billing
 * account and budget, the period must be the current one (no marker bypass with an invented
 * `costIntervalStart`), and the marker key comes from the configuration. A principal with Pub/Sub publish on
 * the whole project can still send one message per period: the README says so.
 */
import { GoogleApiError, GoogleRest, Operation, OperationTimeoutError } from '../rest/client';
import { DecodedMessage, publishJson } from '../rest/pubsub';
import { readJsonObject, writeJsonObject } from '../rest/storage';
import { EndpointView, endpointName, mutateReplicasRequest, splitWithout, undeployModelRequest, vertexHost } from '../vertex/bodies';
import { GcpEnforcerConfig, GuardedVertexEndpoint } from './environment';

/** The budget notification (Cloud Billing programmatic notifications, schema 1.0). */
export interface BudgetMessage {
  readonly budgetId: string;
  readonly budgetDisplayName: string;
  readonly costAmount: number;
  readonly budgetAmount: number;
  readonly costIntervalStart: string;
  readonly currencyCode: string;
}

export function parseBudgetMessage(message: DecodedMessage): BudgetMessage | undefined {
  const d = message.json as Partial<Record<keyof BudgetMessage, unknown>> | undefined;
  if (!d || typeof d.budgetDisplayName !== 'string' || typeof d.costAmount !== 'number' || typeof d.budgetAmount !== 'number' || typeof d.costIntervalStart !== 'string') {
    return undefined;
  }
  return {
    budgetId: message.attributes.budgetId ?? 'unknown',
    budgetDisplayName: d.budgetDisplayName,
    costAmount: d.costAmount,
    budgetAmount: d.budgetAmount,
    costIntervalStart: d.costIntervalStart,
    currencyCode: typeof d.currencyCode === 'string' ? d.currencyCode : 'USD',
  };
}

export interface EndpointOutcome {
  readonly endpointId: string;
  readonly deployedModelId?: string;
  readonly action: string;
  readonly status: 'DONE' | 'ALREADY' | 'GONE' | 'FAILED' | 'RUNNING';
  readonly detail?: string;
}

export interface EnforcerResult {
  readonly acted: boolean;
  readonly reason: string;
  readonly outcomes: readonly EndpointOutcome[];
}

/** The function's timeout (`PubSubFunction`: `timeoutSeconds: 540`). */
export const FUNCTION_TIMEOUT_MS = 540_000;
/** The most one invocation waits for operations in all: well inside the function's timeout. */
export const OPERATION_WAIT_BUDGET_MS = 420_000;
/** An IN_PROGRESS marker older than this belongs to an invocation that has ended (it exceeds the function timeout). */
export const STALE_CLAIM_MS = 600_000;

interface Marker {
  readonly status: 'IN_PROGRESS' | 'DONE' | 'FAILED';
  readonly at: string;
  readonly outcomes?: readonly EndpointOutcome[];
}

/** Seconds left until `deadline` (epoch ms), never negative: 0 means check once, do not wait. */
function secondsLeft(deadline: number): number {
  return Math.max(0, Math.floor((deadline - Date.now()) / 1000));
}

async function enforceOne(rest: GoogleRest, config: GcpEnforcerConfig, e: GuardedVertexEndpoint, deadline: number): Promise<EndpointOutcome[]> {
  const host = vertexHost(e.location);
  const endpoint = endpointName(e.project, e.location, e.endpointId);
  const view = await rest.getOrUndefined<EndpointView>(`${host}/v1/${endpoint}`);
  if (!view) return [{ endpointId: e.endpointId, action: config.action, status: 'GONE', detail: 'endpoint not found' }];
  const models = view.deployedModels ?? [];
  if (models.length === 0) return [{ endpointId: e.endpointId, action: config.action, status: 'ALREADY', detail: 'no deployed models' }];
  const out: EndpointOutcome[] = [];
  if (config.action === 'SCALE_TO_FLOOR') {
    for (const m of models) {
      const r = m.dedicatedResources;
      if (r?.minReplicaCount === e.floor && r?.maxReplicaCount === e.floor) {
        out.push({ endpointId: e.endpointId, deployedModelId: m.id, action: 'SCALE_TO_FLOOR', status: 'ALREADY', detail: `at ${e.floor}` });
        continue;
      }
      const op = await rest.request<Operation>('POST', `${host}/v1/${endpoint}:mutateDeployedModel`, mutateReplicasRequest(m, e.floor, e.floor));
      await rest.waitForOperation(host, op, secondsLeft(deadline), `scale ${m.id} to ${e.floor}`);
      out.push({ endpointId: e.endpointId, deployedModelId: m.id, action: 'SCALE_TO_FLOOR', status: 'DONE', detail: `replicas ${r?.minReplicaCount}-${r?.maxReplicaCount} -> ${e.floor}-${e.floor}` });
    }
    return out;
  }
  let split: Record<string, number> = { ...(view.trafficSplit ?? {}) };
  let remaining = models.map((m) => m.id);
  for (const id of [...remaining].sort((a, b) => (split[a] ?? 0) - (split[b] ?? 0) || a.localeCompare(b))) {
    const next = splitWithout(split, id, remaining);
    let op: Operation | undefined;
    try {
      op = await rest.request<Operation>('POST', `${host}/v1/${endpoint}:undeployModel`, undeployModelRequest(id, next));
    } catch (err) {
      // Undeployed since the endpoint was read (e.g. by an earlier run's operation): done.
      if (!(err instanceof GoogleApiError && err.httpStatus === 404)) throw err;
    }
    if (op) await rest.waitForOperation(host, op, secondsLeft(deadline), `undeploy ${id}`);
    remaining = remaining.filter((r) => r !== id);
    if (next !== undefined) split = next;
    out.push({ endpointId: e.endpointId, deployedModelId: id, action: 'UNDEPLOY', status: op ? 'DONE' : 'ALREADY' });
  }
  return out;
}

/** The longest calendar budget period (a month) plus a day of slack for time zones: older starts are not current. */
export const MAX_PERIOD_MS = 32 * 24 * 3600 * 1000;

/** Why a message cannot be this guard's budget notification for the current period, or undefined when it can. */
function notThisBudget(config: GcpEnforcerConfig, message: DecodedMessage, budget: BudgetMessage, now: Date): string | undefined {
  const [, account, id] = /^billingAccounts\/([^/]+)\/budgets\/([^/]+)$/.exec(config.budgetName) ?? [];
  if (message.attributes.billingAccountId !== account || message.attributes.budgetId !== id) {
    return `attributes billingAccountId=${message.attributes.billingAccountId ?? '(none)'} budgetId=${message.attributes.budgetId ?? '(none)'} do not name ${config.budgetName}`;
  }
  const start = Date.parse(budget.costIntervalStart);
  if (!(start <= now.getTime() && now.getTime() - start <= MAX_PERIOD_MS)) {
    return `costIntervalStart ${budget.costIntervalStart} is not the start of the current budget period`;
  }
  return undefined;
}

export async function enforce(rest: GoogleRest, config: GcpEnforcerConfig, message: DecodedMessage, now: Date = new Date()): Promise<EnforcerResult> {
  const log = (entry: Record<string, unknown>) => rest.log(JSON.stringify({ source: 'budget-enforcer', ...entry }));
  const budget = parseBudgetMessage(message);
  if (!budget) {
    log({ event: 'ignored', reason: 'not a budget notification', messageId: message.messageId });
    return { acted: false, reason: 'not a budget notification', outcomes: [] };
  }
  if (budget.budgetDisplayName !== config.budgetDisplayName) {
    return { acted: false, reason: `budget ${budget.budgetDisplayName} is not this guard's (${config.budgetDisplayName})`, outcomes: [] };
  }
  const foreign = notThisBudget(config, message, budget, now);
  if (foreign) {
    log({ event: 'ignored', reason: foreign, messageId: message.messageId });
    return { acted: false, reason: foreign, outcomes: [] };
  }
  const enforceAt = (budget.budgetAmount * config.enforceAtPercent) / 100;
  if (budget.costAmount < enforceAt) {
    const reason = `cost ${budget.costAmount} ${budget.currencyCode} is below ${enforceAt} (${config.enforceAtPercent}% of ${budget.budgetAmount})`;
    log({ event: 'below-threshold', reason });
    return { acted: false, reason, outcomes: [] };
  }

  const budgetId = config.budgetName.slice(config.budgetName.lastIndexOf('/') + 1);
  const markerObject = `budget-enforcer/${budgetId}/${budget.costIntervalStart.replace(/[^0-9A-Za-z-]/g, '_')}.json`;
  const existing = await readJsonObject<Marker>(rest, config.markerBucket, markerObject);
  if (existing && existing.value.status !== 'FAILED') {
    const age = Date.now() - Date.parse(existing.value.at);
    // An unreadable timestamp counts as stale: enforcing again is safe, never enforcing is not.
    const stale = existing.value.status === 'IN_PROGRESS' && !(age <= STALE_CLAIM_MS);
    if (!stale) {
      const reason = `already enforced for the period starting ${budget.costIntervalStart} (${existing.value.status} at ${existing.value.at})`;
      log({ event: 'duplicate', reason, messageId: message.messageId });
      return { acted: false, reason, outcomes: [] };
    }
    log({ event: 'stale-claim', reason: `IN_PROGRESS since ${existing.value.at}, longer than ${STALE_CLAIM_MS / 1000} s: re-claiming`, messageId: message.messageId });
  }
  const started = Date.now();
  const deadline = started + OPERATION_WAIT_BUDGET_MS;
  const claimed: Marker = { status: 'IN_PROGRESS', at: new Date(started).toISOString() };
  if (!(await writeJsonObject(rest, config.markerBucket, markerObject, claimed, existing?.generation ?? '0'))) {
    return { acted: false, reason: 'another invocation is enforcing this period', outcomes: [] };
  }
  const claim = await readJsonObject<Marker>(rest, config.markerBucket, markerObject);

  const outcomes: EndpointOutcome[] = [];
  let failed = false;
  let running = false;
  for (const e of config.endpoints) {
    try {
      outcomes.push(...(await enforceOne(rest, config, e, deadline)));
    } catch (err) {
      if (err instanceof OperationTimeoutError) {
        // Out of waiting time: the operation continues in Vertex AI; a later message re-claims and re-checks.
        running = true;
        outcomes.push({ endpointId: e.endpointId, action: config.action, status: 'RUNNING', detail: err.message });
        continue;
      }
      failed = true;
      const detail = err instanceof GoogleApiError ? `${err.status}: ${err.detail}` : (err as Error).message;
      outcomes.push({ endpointId: e.endpointId, action: config.action, status: 'FAILED', detail });
    }
  }
  // Still running: the marker stays IN_PROGRESS with the claim's time, so it turns stale and is re-claimed.
  const marker: Marker = failed ? { status: 'FAILED', at: new Date().toISOString(), outcomes }
    : running ? { status: 'IN_PROGRESS', at: claimed.at, outcomes }
      : { status: 'DONE', at: new Date().toISOString(), outcomes };
  await writeJsonObject(rest, config.markerBucket, markerObject, marker, claim?.generation ?? '0');
  const outcome = failed ? 'FAILED' : running ? 'RUNNING' : 'DONE';
  const report = {
    budget: budget.budgetDisplayName,
    costAmount: budget.costAmount,
    budgetAmount: budget.budgetAmount,
    currencyCode: budget.currencyCode,
    costIntervalStart: budget.costIntervalStart,
    action: config.action,
    outcomes,
    restore: config.action === 'DELETE'
      ? 'run `terraform apply -replace=<address of the ModelEndpoint\'s Deployment terraform_data>` to deploy the model again'
      : 'run `terraform apply -replace=<address of the ModelEndpoint\'s Deployment terraform_data>` to restore the replica bounds',
  };
  log({ event: failed ? 'enforcement-failed' : running ? 'enforcement-running' : 'enforced', ...report });
  await publishJson(rest, config.reportTopic, report, { source: 'budget-enforcer', outcome });
  if (running && !failed) {
    throw new Error(`budget enforcement still running for ${outcomes.filter((o) => o.status === 'RUNNING').map((o) => o.endpointId).join(', ')} after ` +
      `${OPERATION_WAIT_BUDGET_MS / 1000} s; a message after ${claimed.at} + ${STALE_CLAIM_MS / 1000} s re-checks`);
  }
  if (failed) throw new Error(`budget enforcement failed for ${outcomes.filter((o) => o.status === 'FAILED').map((o) => o.endpointId).join(', ')}; Pub/Sub redelivers the message`);
  return { acted: true, reason: `cost ${budget.costAmount} reached ${enforceAt}`, outcomes };
}
