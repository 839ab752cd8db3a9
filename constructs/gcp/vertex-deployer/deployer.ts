/**
 * Uploads and deploys one model to a Vertex AI endpoint, and takes it away again. Run by the
 * `terraform_data` resources a ModelEndpoint creates (create-time and destroy-time local-exec), so it
 * must be safe to run twice: every step first reads what exists.
 */
import {
  EndpointView,
  deployModelRequest,
  endpointName,
  mutateReplicasRequest,
  locationName,
  modelName,
  splitWithout,
  undeployModelRequest,
  uploadModelRequest,
  vertexHost,
} from '../vertex/bodies';
import { DeploymentPlan, MODEL_ENDPOINT_LABEL, RolloutState, TeardownPlan, deploymentIds } from '../vertex/plan';
import { GoogleApiError, GoogleRest, Operation } from '../rest/client';
import { readJsonObject, writeJsonObject } from '../rest/storage';

export interface ApplyResult {
  readonly modelId: string;
  readonly deployedModelId: string;
  readonly uploaded: boolean;
  readonly deployed: boolean;
  /** True when an existing deployment's replica bounds were put back to the plan's (after a budget floor). */
  readonly replicasRestored?: boolean;
  readonly trafficSplit?: Readonly<Record<string, number>>;
  /** Deployed model id of the previous version when a canary started. */
  readonly canaryAgainst?: string;
  /** Earlier deployments of this endpoint that were undeployed (and their models deleted). */
  readonly retired?: readonly string[];
}

function log(rest: GoogleRest, event: string, fields: Record<string, unknown>): void {
  rest.log(JSON.stringify({ source: 'vertex-deployer', event, ...fields }));
}

async function waitUntil(rest: GoogleRest, timeoutSeconds: number, what: string, check: () => Promise<boolean>): Promise<void> {
  let waited = 0;
  while (!(await check())) {
    if (waited >= timeoutSeconds * 1000) throw new Error(`${what}: not done after ${timeoutSeconds} s`);
    await rest.sleep(10_000);
    waited += 10_000;
  }
}

export async function apply(rest: GoogleRest, plan: DeploymentPlan): Promise<ApplyResult> {
  const ids = deploymentIds(plan);
  const host = vertexHost(plan.location);
  const parent = locationName(plan.project, plan.location);
  const model = modelName(plan.project, plan.location, ids.modelId);
  const endpoint = endpointName(plan.project, plan.location, plan.endpointId);
  log(rest, 'start', { endpoint, ...ids });

  let uploaded = false;
  if (await rest.getOrUndefined(`${host}/v1/${model}`)) {
    log(rest, 'model-exists', { model });
  } else {
    try {
      const op = await rest.request<Operation>('POST', `${host}/v1/${parent}/models:upload`, uploadModelRequest(plan.spec, ids));
      await rest.waitForOperation(host, op, plan.uploadTimeoutSeconds, `upload ${model}`);
      uploaded = true;
    } catch (e) {
      // An upload an earlier, interrupted run started is still in flight: wait for its model.
      if (!(e instanceof GoogleApiError && e.status === 'ALREADY_EXISTS')) throw e;
      log(rest, 'upload-in-flight', { model });
      await waitUntil(rest, plan.uploadTimeoutSeconds, `upload ${model}`, async () => (await rest.getOrUndefined(`${host}/v1/${model}`)) !== undefined);
    }
    log(rest, 'model-ready', { model, uploaded });
  }

  const view = await rest.request<EndpointView>('GET', `${host}/v1/${endpoint}`);
  const deployed = view.deployedModels ?? [];
  const existing = deployed.find((d) => d.id === ids.deployedModelId);
  if (existing) {
    const r = existing.dedicatedResources;
    if (r && (r.minReplicaCount !== plan.spec.minReplicas || r.maxReplicaCount !== plan.spec.maxReplicas)) {
      // A BudgetGuard pinned it at its floor; `terraform apply -replace` on this resource brings it back.
      const op = await rest.request<Operation>('POST', `${host}/v1/${endpoint}:mutateDeployedModel`, mutateReplicasRequest(existing, plan.spec.minReplicas, plan.spec.maxReplicas));
      await rest.waitForOperation(host, op, plan.deployTimeoutSeconds, `restore replicas of ${ids.deployedModelId}`);
      log(rest, 'replicas-restored', { deployedModelId: ids.deployedModelId, min: plan.spec.minReplicas, max: plan.spec.maxReplicas });
      return { ...ids, uploaded, deployed: false, replicasRestored: true };
    }
    log(rest, 'already-deployed', { deployedModelId: ids.deployedModelId });
    const retired = plan.rollout ? [] : await retireOthers(rest, plan, [ids.deployedModelId]);
    return { ...ids, uploaded, deployed: false, retired };
  }

  const split = view.trafficSplit ?? {};
  const stable = deployed
    .filter((d) => (split[d.id] ?? 0) > 0)
    .sort((a, b) => (split[b.id] ?? 0) - (split[a.id] ?? 0) || a.id.localeCompare(b.id))[0];
  const first = plan.rollout?.steps[0]?.trafficPercent ?? 100;
  const canary = plan.rollout !== undefined && stable !== undefined && first < 100;
  const trafficSplit: Record<string, number> = canary ? { '0': first, [stable.id]: 100 - first } : { '0': 100 };

  try {
    const op = await rest.request<Operation>('POST', `${host}/v1/${endpoint}:deployModel`, deployModelRequest(plan.spec, ids, plan.project, plan.location, trafficSplit));
    log(rest, 'deploying', { operation: op.name, trafficSplit });
    await rest.waitForOperation(host, op, plan.deployTimeoutSeconds, `deploy ${ids.deployedModelId} to ${endpoint}`);
  } catch (e) {
    // Same deployed model id already being deployed by an interrupted run: wait for it to appear.
    if (!(e instanceof GoogleApiError && (e.status === 'ALREADY_EXISTS' || e.httpStatus === 409))) throw e;
    log(rest, 'deploy-in-flight', { deployedModelId: ids.deployedModelId });
    await waitUntil(rest, plan.deployTimeoutSeconds, `deploy ${ids.deployedModelId}`, async () => {
      const v = await rest.request<EndpointView>('GET', `${host}/v1/${endpoint}`);
      return (v.deployedModels ?? []).some((d) => d.id === ids.deployedModelId);
    });
  }

  if (canary) {
    const startedAt = new Date().toISOString();
    const state: RolloutState = {
      project: plan.project,
      location: plan.location,
      endpointId: plan.endpointId,
      canary: ids.deployedModelId,
      stable: stable.id,
      steps: plan.rollout!.steps,
      step: 0,
      stepStartedAt: startedAt,
      startedAt,
      status: 'IN_PROGRESS',
      history: [`${new Date().toISOString()} canary ${ids.deployedModelId} at ${first}% beside ${stable.id}`],
    };
    const existing = await readJsonObject<RolloutState>(rest, plan.rollout!.stateBucket, plan.rollout!.stateObject);
    if (!(await writeJsonObject(rest, plan.rollout!.stateBucket, plan.rollout!.stateObject, state, existing?.generation ?? '0'))) {
      throw new Error(`rollout state gs://${plan.rollout!.stateBucket}/${plan.rollout!.stateObject} changed while the canary started; run terraform apply again`);
    }
    log(rest, 'canary-started', { canary: ids.deployedModelId, stable: stable.id, trafficSplit });
  }
  log(rest, 'deployed', { deployedModelId: ids.deployedModelId, trafficSplit });
  // Terraform does not run the destroy-time provisioner of a create_before_destroy predecessor, so the new
  // deployment retires the ones it replaced that now have no traffic. In a canary the stable model stays
  // (the controller retires it after the final bake); an earlier canary this one superseded goes.
  const retired = await retireOthers(rest, plan, canary ? [ids.deployedModelId, stable.id] : [ids.deployedModelId]);
  return { ...ids, uploaded, deployed: true, trafficSplit, canaryAgainst: canary ? stable.id : undefined, retired };
}

/**
 * Undeploys the endpoint's other deployed models that have no traffic and whose model this construct
 * uploaded (labelled with the endpoint id), and deletes those models. Models someone else deployed stay.
 */
async function retireOthers(rest: GoogleRest, plan: DeploymentPlan, keep: readonly string[]): Promise<string[]> {
  const host = vertexHost(plan.location);
  const endpoint = endpointName(plan.project, plan.location, plan.endpointId);
  const view = await rest.request<EndpointView>('GET', `${host}/v1/${endpoint}`);
  const split = view.trafficSplit ?? {};
  const retired: string[] = [];
  for (const d of view.deployedModels ?? []) {
    if (keep.includes(d.id) || (split[d.id] ?? 0) > 0 || !d.model) continue;
    const model = await rest.getOrUndefined<{ labels?: Record<string, string> }>(`${host}/v1/${d.model}`);
    if (model?.labels?.[MODEL_ENDPOINT_LABEL] !== plan.endpointId) continue;
    const op = await rest.request<Operation>('POST', `${host}/v1/${endpoint}:undeployModel`, undeployModelRequest(d.id, undefined));
    await rest.waitForOperation(host, op, plan.deployTimeoutSeconds, `undeploy ${d.id}`);
    await deleteModel(rest, host, d.model, plan.deployTimeoutSeconds);
    log(rest, 'retired', { deployedModelId: d.id, model: d.model });
    retired.push(d.id);
  }
  return retired;
}

export interface RetireResult {
  readonly undeployed: boolean;
  readonly modelDeleted: boolean;
  /** Why the deployed model was left in place. */
  readonly kept?: string;
}

/**
 * Destroy of one deployment (a replaced or removed `terraform_data`). A deployed model that still takes
 * traffic is left alone: it is either the live deployment after a re-run of the same plan, or the stable
 * side of a canary that the controller finishes; the endpoint's teardown removes whatever is left.
 */
export async function retire(rest: GoogleRest, plan: DeploymentPlan): Promise<RetireResult> {
  const ids = deploymentIds(plan);
  const host = vertexHost(plan.location);
  const endpoint = endpointName(plan.project, plan.location, plan.endpointId);
  const view = await rest.getOrUndefined<EndpointView>(`${host}/v1/${endpoint}`);
  let undeployed = false;
  if (view) {
    const share = view.trafficSplit?.[ids.deployedModelId] ?? 0;
    const present = (view.deployedModels ?? []).some((d) => d.id === ids.deployedModelId);
    if (present && share > 0) {
      const kept = `deployed model ${ids.deployedModelId} still takes ${share}% of traffic`;
      log(rest, 'kept', { reason: kept });
      return { undeployed: false, modelDeleted: false, kept };
    }
    if (present) {
      const op = await rest.request<Operation>('POST', `${host}/v1/${endpoint}:undeployModel`, undeployModelRequest(ids.deployedModelId, undefined));
      await rest.waitForOperation(host, op, plan.deployTimeoutSeconds, `undeploy ${ids.deployedModelId}`);
      undeployed = true;
      log(rest, 'undeployed', { deployedModelId: ids.deployedModelId });
    }
    const model = modelName(plan.project, plan.location, ids.modelId);
    if ((view.deployedModels ?? []).some((d) => d.id !== ids.deployedModelId && d.model === model)) {
      return { undeployed, modelDeleted: false, kept: `model ${model} is deployed under another id` };
    }
  }
  const modelDeleted = await deleteModel(rest, host, modelName(plan.project, plan.location, ids.modelId), plan.deployTimeoutSeconds);
  return { undeployed, modelDeleted };
}

async function deleteModel(rest: GoogleRest, host: string, model: string, timeoutSeconds: number): Promise<boolean> {
  try {
    const op = await rest.request<Operation>('DELETE', `${host}/v1/${model}`);
    await rest.waitForOperation(host, op, timeoutSeconds, `delete ${model}`);
    log(rest, 'model-deleted', { model });
    return true;
  } catch (e) {
    if (e instanceof GoogleApiError && e.httpStatus === 404) return false;
    // Still deployed somewhere (e.g. another endpoint): leave it rather than fail the destroy.
    if (e instanceof GoogleApiError && e.status === 'FAILED_PRECONDITION') {
      log(rest, 'model-kept', { model, reason: e.detail });
      return false;
    }
    throw e;
  }
}

export interface TeardownResult {
  readonly undeployed: readonly string[];
  readonly modelsDeleted: readonly string[];
}

/**
 * Destroy of the endpoint's teardown resource, which runs after every deployment is destroyed and before
 * the endpoint's DELETE (that fails while models are deployed): undeploys whatever is still there (models
 * without traffic first, the last one with an empty split) and deletes the models labelled for this endpoint.
 */
export async function teardown(rest: GoogleRest, plan: TeardownPlan): Promise<TeardownResult> {
  const host = vertexHost(plan.location);
  const endpoint = endpointName(plan.project, plan.location, plan.endpointId);
  const undeployed: string[] = [];
  const view = await rest.getOrUndefined<EndpointView>(`${host}/v1/${endpoint}`);
  if (view) {
    let split: Record<string, number> = { ...(view.trafficSplit ?? {}) };
    let remaining = (view.deployedModels ?? []).map((d) => d.id);
    const order = [...remaining].sort((a, b) => (split[a] ?? 0) - (split[b] ?? 0) || a.localeCompare(b));
    for (const id of order) {
      const next = splitWithout(split, id, remaining);
      const op = await rest.request<Operation>('POST', `${host}/v1/${endpoint}:undeployModel`, undeployModelRequest(id, next));
      await rest.waitForOperation(host, op, plan.timeoutSeconds, `undeploy ${id}`);
      undeployed.push(id);
      remaining = remaining.filter((r) => r !== id);
      if (next !== undefined) split = next;
      log(rest, 'undeployed', { deployedModelId: id });
    }
  }
  const modelsDeleted: string[] = [];
  let pageToken: string | undefined;
  do {
    const filter = encodeURIComponent(`labels.${plan.modelLabelKey}=${plan.endpointId}`);
    const page = await rest.request<{ models?: { name: string }[]; nextPageToken?: string }>('GET',
      `${host}/v1/${locationName(plan.project, plan.location)}/models?filter=${filter}${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`);
    for (const m of page.models ?? []) {
      if (await deleteModel(rest, host, m.name, plan.timeoutSeconds)) modelsDeleted.push(m.name);
    }
    pageToken = page.nextPageToken || undefined;
  } while (pageToken);
  return { undeployed, modelsDeleted };
}
