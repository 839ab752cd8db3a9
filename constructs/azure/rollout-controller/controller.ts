/**
 * The rollout controller: owns an endpoint's traffic map after Terraform set the first one.
 *
 * State lives in Azure itself: the target deployment's share of traffic says which step the rollout is on, and the endpoint's `systemData.lastModifiedAt` says when that step began (every
 * traffic change is a PUT on the endpoint). A target that is in the traffic map at 0% was rolled back and stays
 * there until a new version is deployed.
 *
 *  - `advance` (every minute): start the mirror phase or the first step for a new deployment, move to the next
 *    step once the current one has baked, and after the last step's bake remove every other deployment.
 *  - `rollback` (Azure Monitor alert -> action group -> this Function): all traffic back to the stable deployment,
 *    only once Azure Monitor confirms (by ARM, with the Function's identity) a fired alert of one of this rollout's
 *    rules; the request body alone never moves traffic.
 *
 * A rollback first writes a hold tag (HOLD_TAG) on the target deployment, so `advance` on any instance, or after
 * a restart, moves no traffic forward until the rollback lands; the app also runs on one instance at most.
 */
import { ALERTS_API_VERSION, AUTOSCALE_API_VERSION, ArmClient, WebhookResponse, log, retryLater } from '../function-runtime/arm';
import { ControllerConfig, HOLD_TAG, parseControllerEnvironment } from './environment';

export const SOURCE = 'rollout-controller';

/**
 * Rollbacks asked for by a verified alert and not yet written to the traffic map, as this process knows them
 * (set before the hold tag is written, so a tick running meanwhile holds too). The persisted hold is the tag on
 * the target deployment; the 0% entry in the traffic map is the marker once a rollback lands.
 */
const pendingRollbacks = new Set<string>();
const pendingKey = (config: ControllerConfig): string => `${config.endpointId.toLowerCase()}#${config.targetDeployment}`;
export function rollbackPending(config: ControllerConfig): boolean {
  return pendingRollbacks.has(pendingKey(config));
}

interface ArmEndpoint {
  readonly location: string;
  readonly kind?: string;
  readonly tags?: Record<string, string>;
  readonly identity?: { type: string; userAssignedIdentities?: Record<string, unknown> };
  readonly properties: {
    readonly authMode: string;
    readonly description?: string;
    readonly publicNetworkAccess?: string;
    readonly compute?: string;
    readonly properties?: Record<string, string>;
    readonly traffic?: Record<string, number>;
    readonly mirrorTraffic?: Record<string, number>;
    readonly provisioningState?: string;
  };
  readonly systemData?: { readonly lastModifiedAt?: string; readonly createdAt?: string };
}

interface ArmDeployment {
  readonly name: string;
  readonly tags?: Record<string, string>;
  readonly properties: { readonly provisioningState?: string };
}

export type Decision =
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'traffic'; readonly traffic: Record<string, number>; readonly mirror: Record<string, number>; readonly reason: string }
  | { readonly kind: 'promote'; readonly remove: string[]; readonly reason: string };

export interface EndpointView {
  readonly traffic: Record<string, number>;
  readonly mirror: Record<string, number>;
  /** When the endpoint (its traffic) last changed. */
  readonly since: Date;
  readonly provisioningState: string;
  /** Deployments with their provisioning state. */
  readonly deployments: Readonly<Record<string, string>>;
  /** The hold tag's value on the target deployment, when a rollback was requested there. */
  readonly hold?: string;
}

/** The stable deployment: the other deployment with the most live traffic. */
function stableOf(view: EndpointView, target: string): string | undefined {
  return Object.entries(view.traffic)
    .filter(([name, pct]) => name !== target && pct > 0 && view.deployments[name] !== undefined)
    .sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** What `advance` should do now. Pure, so every branch is tested without HTTP. */
export function decide(config: ControllerConfig, view: EndpointView, now: Date): Decision {
  const target = config.targetDeployment;
  if (view.provisioningState !== 'Succeeded') return { kind: 'wait', reason: `endpoint is ${view.provisioningState}` };
  const targetState = view.deployments[target];
  if (targetState === undefined) return { kind: 'wait', reason: `deployment ${target} does not exist yet` };
  if (targetState !== 'Succeeded') return { kind: 'wait', reason: `deployment ${target} is ${targetState}; traffic stays where it is` };

  const others = Object.keys(view.deployments).filter((d) => d !== target);
  const live = view.traffic[target];
  const mirrored = view.mirror[target];
  const stable = stableOf(view, target);
  const elapsed = (now.getTime() - view.since.getTime()) / 1000;
  const split = (percent: number): Record<string, number> =>
    stable ? { [stable]: 100 - percent, [target]: percent } : { [target]: 100 };

  if (live === 0) return { kind: 'wait', reason: `${target} was rolled back (0% in the traffic map); deploy a new version to try again` };
  if (!stable && live === undefined) {
    return { kind: 'traffic', traffic: { [target]: 100 }, mirror: {}, reason: `${target} is the only deployment with a place in the traffic map` };
  }
  if (live === undefined) {
    if (config.mirror && mirrored === undefined) {
      return { kind: 'traffic', traffic: { ...view.traffic }, mirror: { [target]: config.mirror.percent }, reason: `mirror ${config.mirror.percent}% of ${stable}'s traffic to ${target}` };
    }
    if (config.mirror && mirrored !== undefined && elapsed < config.mirror.bakeSeconds) {
      return { kind: 'wait', reason: `mirroring to ${target} for ${Math.ceil(config.mirror.bakeSeconds - elapsed)} s more` };
    }
    const first = config.steps[0].percent;
    return { kind: 'traffic', traffic: split(first), mirror: {}, reason: `step 1/${config.steps.length}: ${first}% to ${target}` };
  }
  const index = config.steps.findIndex((s) => s.percent === live);
  if (index < 0) return { kind: 'wait', reason: `${target} has ${live}%, which is no step of this rollout (changed by hand?); left alone` };
  const step = config.steps[index];
  if (elapsed < step.bakeSeconds) return { kind: 'wait', reason: `step ${index + 1}/${config.steps.length} (${live}%) bakes ${Math.ceil(step.bakeSeconds - elapsed)} s more` };
  if (index < config.steps.length - 1) {
    const next = config.steps[index + 1].percent;
    return { kind: 'traffic', traffic: split(next), mirror: {}, reason: `step ${index + 2}/${config.steps.length}: ${next}% to ${target}` };
  }
  if (others.length === 0) return { kind: 'wait', reason: `${target} serves all traffic; nothing left to remove` };
  return { kind: 'promote', remove: others, reason: `${target} held 100% for ${step.bakeSeconds} s; removing ${others.join(', ')}` };
}

/**
 * The endpoint PUT body with a new traffic map. ARM has no PATCH for traffic, so the controller PUTs the
 * endpoint as read, minus read-only properties.
 */
export function endpointPutBody(current: ArmEndpoint, traffic: Record<string, number>, mirror: Record<string, number>): Record<string, unknown> {
  const p = current.properties;
  return {
    location: current.location,
    ...(current.kind ? { kind: current.kind } : {}),
    ...(current.tags ? { tags: current.tags } : {}),
    ...(current.identity ? {
      identity: {
        type: current.identity.type,
        ...(current.identity.userAssignedIdentities ? { userAssignedIdentities: Object.fromEntries(Object.keys(current.identity.userAssignedIdentities).map((k) => [k, {}])) } : {}),
      },
    } : {}),
    properties: {
      authMode: p.authMode,
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(p.publicNetworkAccess !== undefined ? { publicNetworkAccess: p.publicNetworkAccess } : {}),
      ...(p.compute !== undefined ? { compute: p.compute } : {}),
      ...(p.properties !== undefined ? { properties: p.properties } : {}),
      traffic,
      mirrorTraffic: mirror,
    },
  };
}

export interface Outcome {
  readonly action: string;
  readonly reason: string;
  readonly traffic?: Record<string, number>;
  readonly removed?: string[];
}

async function view(arm: ArmClient, endpointId: string, target: string): Promise<{ endpoint: ArmEndpoint; view: EndpointView; deployments: ArmDeployment[] }> {
  const endpoint = await arm.get<ArmEndpoint>(endpointId);
  if (!endpoint) throw new Error(`endpoint ${endpointId} not found`);
  const deployments = await arm.list<ArmDeployment>(`${endpointId}/deployments`);
  return {
    endpoint,
    deployments,
    view: {
      traffic: { ...(endpoint.properties.traffic ?? {}) },
      mirror: { ...(endpoint.properties.mirrorTraffic ?? {}) },
      since: new Date(endpoint.systemData?.lastModifiedAt ?? endpoint.systemData?.createdAt ?? 0),
      provisioningState: endpoint.properties.provisioningState ?? 'Unknown',
      deployments: Object.fromEntries(deployments.map((d) => [d.name, d.properties.provisioningState ?? 'Unknown'])),
      hold: deployments.find((d) => d.name === target)?.tags?.[HOLD_TAG],
    },
  };
}

/** The autoscale setting the controller keeps for `deployment` while it serves beside the target. */
export function autoscaleCopyId(config: ControllerConfig, deployment: string): string | undefined {
  return config.autoscaleSettingId ? `${config.autoscaleSettingId}-${deployment}` : undefined;
}

interface ArmAutoscale {
  readonly location: string;
  readonly tags?: Record<string, string>;
  readonly properties: Record<string, unknown> & { name?: string; targetResourceUri?: string };
}

/**
 * Terraform points the one autoscale setting at the target deployment; while the stable deployment still
 * serves, it gets a copy of that setting aimed at it, so both scale with their share of traffic.
 */
async function ensureAutoscaleFor(config: ControllerConfig, arm: ArmClient, deployment: string): Promise<void> {
  const copyId = autoscaleCopyId(config, deployment);
  if (!copyId || !config.autoscaleSettingId) return;
  if (await arm.get(copyId, AUTOSCALE_API_VERSION)) return;
  const source = await arm.get<ArmAutoscale>(config.autoscaleSettingId, AUTOSCALE_API_VERSION);
  if (!source) return;
  const from = `${config.endpointId}/deployments/${config.targetDeployment}`;
  const to = `${config.endpointId}/deployments/${deployment}`;
  const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const properties = JSON.parse(JSON.stringify(source.properties).replace(new RegExp(escaped, 'gi'), to)) as ArmAutoscale['properties'];
  await arm.put(copyId, {
    location: source.location,
    ...(source.tags ? { tags: source.tags } : {}),
    properties: { ...properties, name: copyId.split('/').pop() },
  }, AUTOSCALE_API_VERSION);
  log(SOURCE, { endpointId: config.endpointId, action: 'AUTOSCALE', reason: `${deployment} serves beside ${config.targetDeployment}: scaled by its own copy of the autoscale setting` });
}

/** One controller tick. */
export async function advance(config: ControllerConfig, arm: ArmClient, now: Date = new Date()): Promise<Outcome> {
  const { endpoint, view: v } = await view(arm, config.endpointId, config.targetDeployment);
  if (rollbackPending(config) && v.traffic[config.targetDeployment] === 0) pendingRollbacks.delete(pendingKey(config));
  let d = decide(config, v, now);
  // Checked after the reads, so a rollback that started while they ran holds this tick too.
  if (d.kind !== 'wait' && (rollbackPending(config) || v.hold !== undefined)) {
    d = { kind: 'wait', reason: `a rollback of ${config.targetDeployment} was requested and has not landed yet (${HOLD_TAG}: ${v.hold ?? 'this instance'}); traffic does not move forward` };
  }
  if (d.kind === 'wait') {
    log(SOURCE, { endpointId: config.endpointId, action: 'WAIT', reason: d.reason });
    return { action: 'WAIT', reason: d.reason };
  }
  if (d.kind === 'traffic') {
    for (const name of Object.keys(d.traffic)) if (name !== config.targetDeployment && d.traffic[name] > 0) await ensureAutoscaleFor(config, arm, name);
    await arm.put(config.endpointId, endpointPutBody(endpoint, d.traffic, d.mirror));
    log(SOURCE, { endpointId: config.endpointId, action: 'SHIFT', reason: d.reason, traffic: d.traffic, mirror: d.mirror });
    return { action: 'SHIFT', reason: d.reason, traffic: d.traffic };
  }
  // Deployments with traffic cannot be deleted: drop them from the map first (the PUT is polled to its end).
  const traffic = { [config.targetDeployment]: 100 };
  await arm.put(config.endpointId, endpointPutBody(endpoint, traffic, {}));
  const removed: string[] = [];
  for (const name of d.remove) {
    const copy = autoscaleCopyId(config, name);
    if (copy) await arm.delete(copy, AUTOSCALE_API_VERSION);
    await arm.delete(`${config.endpointId}/deployments/${name}`);
    removed.push(name);
  }
  log(SOURCE, { endpointId: config.endpointId, action: 'PROMOTE', reason: d.reason, removed });
  return { action: 'PROMOTE', reason: d.reason, traffic, removed };
}

/** The parts of Azure Monitor's common alert schema the controller reads. */
export interface CommonAlert {
  readonly schemaId?: string;
  readonly data?: {
    readonly essentials?: { readonly alertId?: string; readonly alertRule?: string; readonly monitorCondition?: string; readonly alertTargetIDs?: string[] };
    readonly alertContext?: { readonly condition?: { readonly allOf?: { readonly dimensions?: { name: string; value: string }[] }[] } };
  };
}

/** The parts of a Microsoft.AlertsManagement alert (GET) the controller reads. */
export interface ArmAlert {
  readonly id?: string;
  readonly properties?: { readonly essentials?: { readonly alertRule?: string; readonly monitorCondition?: string } };
}

/**
 * Asks Azure Monitor whether the alert the request names exists, is fired, and belongs to one of this rollout's
 * rules. Undefined when it does; otherwise why not. Only ids of alerts in the endpoint's own subscription are read.
 */
export async function verifyAlert(config: ControllerConfig, arm: ArmClient, alertId: string | undefined): Promise<string | undefined> {
  const subscription = config.endpointId.split('/')[2];
  const pattern = new RegExp(`^/subscriptions/${subscription.replace(/[^0-9a-zA-Z-]/g, '')}/providers/Microsoft\\.AlertsManagement/alerts/[0-9a-fA-F-]{36}$`, 'i');
  if (!alertId || !pattern.test(alertId)) return `alert id ${JSON.stringify(alertId)} is not an Azure Monitor alert of subscription ${subscription}`;
  const alert = await arm.get<ArmAlert>(alertId, ALERTS_API_VERSION);
  const essentials = alert?.properties?.essentials;
  if (!essentials) return `Azure Monitor has no alert ${alertId}`;
  const rule = String(essentials.alertRule ?? '').toLowerCase();
  if (!config.alertRuleIds.some((id) => id.toLowerCase() === rule)) return `alert ${alertId} comes from rule ${JSON.stringify(essentials.alertRule)}, not one of this rollout's`;
  if (essentials.monitorCondition !== 'Fired') return `Azure Monitor says alert ${alertId} is ${essentials.monitorCondition}`;
  return undefined;
}

/** Moves all traffic back to the stable deployment when Azure Monitor confirms an alert on the target fired. Idempotent. */
export async function rollback(config: ControllerConfig, arm: ArmClient, alert: CommonAlert): Promise<Outcome> {
  const essentials = alert.data?.essentials;
  if (alert.schemaId !== 'azureMonitorCommonAlertSchema' || !essentials) {
    return { action: 'IGNORED', reason: `not a common-schema alert (schemaId ${JSON.stringify(alert.schemaId)})` };
  }
  if (essentials.monitorCondition !== 'Fired') {
    return { action: 'IGNORED', reason: `alert ${essentials.alertRule} is ${essentials.monitorCondition}` };
  }
  const dims = (alert.data?.alertContext?.condition?.allOf ?? []).flatMap((c) => c.dimensions ?? []);
  const named = dims.find((x) => x.name.toLowerCase() === 'deployment');
  if (named && named.value !== config.targetDeployment) {
    return { action: 'IGNORED', reason: `alert ${essentials.alertRule} is about ${named.value}, not ${config.targetDeployment}` };
  }
  // The body only says which alert to look up; Azure Monitor says whether it fired and whose rule it is.
  const refused = await verifyAlert(config, arm, essentials.alertId);
  if (refused) {
    log(SOURCE, { endpointId: config.endpointId, action: 'UNVERIFIED', reason: refused });
    return { action: 'UNVERIFIED', reason: refused };
  }
  // Set before any write, so a tick running meanwhile or after a failure does not move traffic forward.
  pendingRollbacks.add(pendingKey(config));
  const { endpoint, view: v, deployments } = await view(arm, config.endpointId, config.targetDeployment);
  const target = config.targetDeployment;
  if (v.traffic[target] === 0 && !v.mirror[target]) {
    pendingRollbacks.delete(pendingKey(config));
    return { action: 'ALREADY_ROLLED_BACK', reason: `${target} has no traffic` };
  }
  const stable = stableOf(v, target) ?? Object.keys(v.deployments).find((d) => d !== target);
  if (!stable) {
    pendingRollbacks.delete(pendingKey(config));
    log(SOURCE, { endpointId: config.endpointId, action: 'NO_STABLE', alert: essentials.alertId });
    return { action: 'NO_STABLE', reason: `alert ${essentials.alertRule} fired but ${target} is the only deployment; nothing to roll back to` };
  }
  // The persisted hold: every instance's `advance` (and this one after a restart) sees it before the traffic moves.
  if (v.hold === undefined) {
    const tags = deployments.find((d) => d.name === target)?.tags ?? {};
    await arm.patch(`${config.endpointId}/deployments/${target}`, { tags: { ...tags, [HOLD_TAG]: `rollback for ${essentials.alertId}` } });
  }
  const traffic = { [stable]: 100, [target]: 0 };
  await arm.put(config.endpointId, endpointPutBody(endpoint, traffic, {}));
  pendingRollbacks.delete(pendingKey(config));
  const reason = `alert ${essentials.alertRule} fired (confirmed by Azure Monitor): all traffic back to ${stable}`;
  log(SOURCE, { endpointId: config.endpointId, action: 'ROLLBACK', reason, alert: essentials.alertId, traffic });
  return { action: 'ROLLBACK', reason, traffic };
}

/**
 * The rollback webhook's answer to the action group. A failure answers 503, the one status (with 408, 429 and
 * 504) on which Azure Monitor delivers the alert again; a 500 would be dropped after one delivery.
 */
export async function rollbackResponse(env: Readonly<Record<string, string | undefined>>, arm: ArmClient, readBody: () => Promise<unknown>): Promise<WebhookResponse> {
  let alert: CommonAlert;
  try {
    alert = (await readBody()) as CommonAlert;
  } catch {
    return { status: 400, jsonBody: { error: 'the body must be an Azure Monitor common-schema alert (JSON)' } };
  }
  try {
    return { status: 200, jsonBody: await rollback(parseControllerEnvironment(env), arm, alert) };
  } catch (err) {
    return retryLater(SOURCE, 'rollback', err);
  }
}
