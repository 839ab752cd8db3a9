/**
 * Budget enforcement for Vertex AI endpoints. Cloud Billing publishes a budget's status to Pub/Sub several
 * times a day whatever the thresholds; on the first message of a budget period whose actual cost reaches
 * the enforcement percent, the enforcer pins every deployed model of the guarded endpoints at its floor
 * (`mutateDeployedModel`) or undeploys them, then reports what it did. A marker object per budget period,
 * created only if absent, makes a repeated or concurrent message act once; a failed run marks itself
 * failed so the redelivery tries again.
 */
import { GoogleApiError, GoogleRest, Operation } from '../rest/client';
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
  readonly status: 'DONE' | 'ALREADY' | 'GONE' | 'FAILED';
  readonly detail?: string;
}

export interface EnforcerResult {
  readonly acted: boolean;
  readonly reason: string;
  readonly outcomes: readonly EndpointOutcome[];
}

interface Marker {
  readonly status: 'IN_PROGRESS' | 'DONE' | 'FAILED';
  readonly at: string;
  readonly outcomes?: readonly EndpointOutcome[];
}

async function enforceOne(rest: GoogleRest, config: GcpEnforcerConfig, e: GuardedVertexEndpoint): Promise<EndpointOutcome[]> {
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
      await rest.waitForOperation(host, op, 1800, `scale ${m.id} to ${e.floor}`);
      out.push({ endpointId: e.endpointId, deployedModelId: m.id, action: 'SCALE_TO_FLOOR', status: 'DONE', detail: `replicas ${r?.minReplicaCount}-${r?.maxReplicaCount} -> ${e.floor}-${e.floor}` });
    }
    return out;
  }
  let split: Record<string, number> = { ...(view.trafficSplit ?? {}) };
  let remaining = models.map((m) => m.id);
  for (const id of [...remaining].sort((a, b) => (split[a] ?? 0) - (split[b] ?? 0) || a.localeCompare(b))) {
    const next = splitWithout(split, id, remaining);
    const op = await rest.request<Operation>('POST', `${host}/v1/${endpoint}:undeployModel`, undeployModelRequest(id, next));
    await rest.waitForOperation(host, op, 1800, `undeploy ${id}`);
    remaining = remaining.filter((r) => r !== id);
    if (next !== undefined) split = next;
    out.push({ endpointId: e.endpointId, deployedModelId: id, action: 'UNDEPLOY', status: 'DONE' });
  }
  return out;
}

export async function enforce(rest: GoogleRest, config: GcpEnforcerConfig, message: DecodedMessage): Promise<EnforcerResult> {
  const log = (entry: Record<string, unknown>) => rest.log(JSON.stringify({ source: 'budget-enforcer', ...entry }));
  const budget = parseBudgetMessage(message);
  if (!budget) {
    log({ event: 'ignored', reason: 'not a budget notification', messageId: message.messageId });
    return { acted: false, reason: 'not a budget notification', outcomes: [] };
  }
  if (budget.budgetDisplayName !== config.budgetDisplayName) {
    return { acted: false, reason: `budget ${budget.budgetDisplayName} is not this guard's (${config.budgetDisplayName})`, outcomes: [] };
  }
  const enforceAt = (budget.budgetAmount * config.enforceAtPercent) / 100;
  if (budget.costAmount < enforceAt) {
    const reason = `cost ${budget.costAmount} ${budget.currencyCode} is below ${enforceAt} (${config.enforceAtPercent}% of ${budget.budgetAmount})`;
    log({ event: 'below-threshold', reason });
    return { acted: false, reason, outcomes: [] };
  }

  const markerObject = `budget-enforcer/${budget.budgetId}/${budget.costIntervalStart.replace(/[^0-9A-Za-z-]/g, '_')}.json`;
  const existing = await readJsonObject<Marker>(rest, config.markerBucket, markerObject);
  if (existing && existing.value.status !== 'FAILED') {
    const reason = `already enforced for the period starting ${budget.costIntervalStart} (${existing.value.status} at ${existing.value.at})`;
    log({ event: 'duplicate', reason, messageId: message.messageId });
    return { acted: false, reason, outcomes: [] };
  }
  const claimed: Marker = { status: 'IN_PROGRESS', at: new Date().toISOString() };
  if (!(await writeJsonObject(rest, config.markerBucket, markerObject, claimed, existing?.generation ?? '0'))) {
    return { acted: false, reason: 'another invocation is enforcing this period', outcomes: [] };
  }
  const claim = await readJsonObject<Marker>(rest, config.markerBucket, markerObject);

  const outcomes: EndpointOutcome[] = [];
  let failed = false;
  for (const e of config.endpoints) {
    try {
      outcomes.push(...(await enforceOne(rest, config, e)));
    } catch (err) {
      failed = true;
      const detail = err instanceof GoogleApiError ? `${err.status}: ${err.detail}` : (err as Error).message;
      outcomes.push({ endpointId: e.endpointId, action: config.action, status: 'FAILED', detail });
    }
  }
  const marker: Marker = { status: failed ? 'FAILED' : 'DONE', at: new Date().toISOString(), outcomes };
  await writeJsonObject(rest, config.markerBucket, markerObject, marker, claim?.generation ?? '0');
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
  log({ event: failed ? 'enforcement-failed' : 'enforced', ...report });
  await publishJson(rest, config.reportTopic, report, { source: 'budget-enforcer', outcome: failed ? 'FAILED' : 'DONE' });
  if (failed) throw new Error(`budget enforcement failed for ${outcomes.filter((o) => o.status === 'FAILED').map((o) => o.endpointId).join(', ')}; Pub/Sub redelivers the message`);
  return { acted: true, reason: `cost ${budget.costAmount} reached ${enforceAt}`, outcomes };
}
