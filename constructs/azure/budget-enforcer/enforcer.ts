/**
 * The budget enforcer: runs when a Cost Management budget notifies its action group. The notification is only a
 * trigger: the enforcer reads the budget from Cost Management (Microsoft.Consumption/budgets GET, with its own
 * identity) and acts only when the budget's `currentSpend` is at or above the enforcement threshold of its
 * `amount`; the figures in the request body are never used, so a forged or replayed request cannot cause an
 * action that the real spend does not justify. It then scales every deployment of each guarded endpoint to its
 * floor (autoscale capped first, so a scale-out cannot undo it) or deletes the endpoint, and reports what it did.
 * Acting twice changes nothing: each step checks the current state first.
 */
import { AUTOSCALE_API_VERSION, ArmClient, ArmError, CONSUMPTION_API_VERSION, WebhookResponse, log, retryLater } from '../function-runtime/arm';
import { EnforcerConfig, GuardedEndpoint, parseEnforcerEnvironment } from './environment';

export const SOURCE = 'budget-enforcer';

/** What a budget notification says, as far as the enforcer cares: which budget to go and read. Nothing more is trusted. */
export interface BudgetNotification {
  readonly budgetName: string;
}

/** The parts of a Microsoft.Consumption budget (GET) the enforcer reads. */
export interface ArmBudget {
  readonly name?: string;
  readonly properties?: {
    readonly amount?: number;
    readonly currentSpend?: { readonly amount?: number; readonly unit?: string };
  };
}

/** Case-insensitive lookup over the first object that has the key. */
function pick(objects: (Record<string, unknown> | undefined)[], ...keys: string[]): unknown {
  for (const o of objects) {
    if (!o) continue;
    for (const [k, v] of Object.entries(o)) if (keys.some((key) => key.toLowerCase() === k.toLowerCase())) return v;
  }
  return undefined;
}

/**
 * Reads a budget notification in the common alert schema (`data.alertContext`, with or without `AlertData`)
 * or the legacy `AIP Budget Notification` payload. Undefined when it is neither.
 */
export function parseBudgetNotification(body: unknown): BudgetNotification | undefined {
  const b = body as { schemaId?: string; data?: Record<string, unknown> };
  if (!b || typeof b !== 'object' || !b.data) return undefined;
  let fields: (Record<string, unknown> | undefined)[];
  if (b.schemaId === 'azureMonitorCommonAlertSchema') {
    const ctx = b.data.alertContext as Record<string, unknown> | undefined;
    fields = [ctx?.AlertData as Record<string, unknown> | undefined, ctx];
  } else if (b.schemaId === 'AIP Budget Notification') {
    fields = [b.data];
  } else {
    return undefined;
  }
  const budgetName = pick(fields, 'BudgetName');
  if (typeof budgetName !== 'string') return undefined;
  return { budgetName };
}

export interface EndpointOutcome {
  readonly endpointId: string;
  readonly action: string;
  readonly status: 'DONE' | 'ALREADY_AT_FLOOR' | 'ALREADY_GONE' | 'FAILED';
  readonly detail: string;
}

export interface EnforcementReport {
  readonly acted: boolean;
  readonly reason: string;
  readonly outcomes: EndpointOutcome[];
}

interface AutoscaleSetting {
  readonly properties: { profiles: { capacity: { minimum: string; maximum: string; default: string } }[]; [k: string]: unknown };
  readonly tags?: Record<string, string>;
}

interface Deployment {
  readonly name: string;
  readonly sku?: { capacity?: number };
}

async function scaleToFloor(arm: ArmClient, ep: GuardedEndpoint): Promise<EndpointOutcome> {
  const changes: string[] = [];
  const deployments = await arm.list<Deployment>(`${ep.endpointId}/deployments`);
  // The endpoint's autoscale settings, and the copies a rollout controller gives a deployment serving beside
  // a new one (`<setting>-<deployment>`): every one capped, so none scales a deployment back out.
  const settingIds = [...ep.autoscaleSettingIds, ...ep.autoscaleSettingIds.flatMap((id) => deployments.map((d) => `${id}-${d.name}`))];
  for (const id of settingIds) {
    const setting = await arm.get<AutoscaleSetting>(id, AUTOSCALE_API_VERSION);
    if (!setting) continue;
    const floor = String(ep.floor);
    const atFloor = setting.properties.profiles.every((p) => p.capacity.minimum === floor && p.capacity.maximum === floor && p.capacity.default === floor);
    if (atFloor) continue;
    const profiles = setting.properties.profiles.map((p) => ({ ...p, capacity: { minimum: floor, maximum: floor, default: floor } }));
    await arm.patch(id, { properties: { ...setting.properties, profiles } }, AUTOSCALE_API_VERSION);
    changes.push(`autoscale ${id.split('/').pop()} capped at ${ep.floor}`);
  }
  for (const d of deployments) {
    if ((d.sku?.capacity ?? 0) <= ep.floor) continue;
    await arm.patch(`${ep.endpointId}/deployments/${d.name}`, { sku: { capacity: ep.floor } });
    changes.push(`${d.name} ${d.sku?.capacity} -> ${ep.floor} instances`);
  }
  return changes.length
    ? { endpointId: ep.endpointId, action: 'SCALE_TO_FLOOR', status: 'DONE', detail: `${changes.join('; ')}; the next terraform apply restores the autoscale bounds` }
    : { endpointId: ep.endpointId, action: 'SCALE_TO_FLOOR', status: 'ALREADY_AT_FLOOR', detail: `every deployment at ${ep.floor} and autoscale capped` };
}

async function deleteEndpoint(arm: ArmClient, ep: GuardedEndpoint): Promise<EndpointOutcome> {
  const existed = await arm.delete(ep.endpointId);
  return existed
    ? { endpointId: ep.endpointId, action: 'DELETE', status: 'DONE', detail: 'endpoint and its deployments deleted; terraform apply recreates them' }
    : { endpointId: ep.endpointId, action: 'DELETE', status: 'ALREADY_GONE', detail: 'endpoint not found' };
}

export async function enforce(config: EnforcerConfig, arm: ArmClient, body: unknown): Promise<EnforcementReport> {
  const n = parseBudgetNotification(body);
  if (!n) {
    log(SOURCE, { action: 'IGNORED', reason: 'not a budget notification' });
    return { acted: false, reason: 'not a budget notification', outcomes: [] };
  }
  if (n.budgetName !== config.budgetName) return { acted: false, reason: `budget ${n.budgetName} is not ${config.budgetName}`, outcomes: [] };
  // The spend is read from Cost Management, never taken from the body (which anyone holding the key can write).
  const budget = await arm.get<ArmBudget>(config.budgetId, CONSUMPTION_API_VERSION);
  const limit = budget?.properties?.amount;
  const spent = budget?.properties?.currentSpend?.amount;
  if (!budget || typeof limit !== 'number' || !(limit > 0) || typeof spent !== 'number' || !Number.isFinite(spent)) {
    const reason = budget ? `budget ${config.budgetName} reports no current spend yet` : `budget ${config.budgetId} not found`;
    log(SOURCE, { action: 'NOTIFY_ONLY', budget: config.budgetName, reason });
    return { acted: false, reason, outcomes: [] };
  }
  const unit = budget.properties?.currentSpend?.unit ?? '';
  const percent = (100 * spent) / limit;
  if (percent < config.enforceAtPercent) {
    const reason = `Cost Management reports ${spent} ${unit} spent, ${percent.toFixed(1)}% of ${limit}, below ${config.enforceAtPercent}%`;
    log(SOURCE, { action: 'NOTIFY_ONLY', budget: config.budgetName, reason });
    return { acted: false, reason, outcomes: [] };
  }
  const outcomes: EndpointOutcome[] = [];
  for (const ep of config.endpoints) {
    try {
      outcomes.push(config.action === 'DELETE' ? await deleteEndpoint(arm, ep) : await scaleToFloor(arm, ep));
    } catch (err) {
      const e = err as Error;
      outcomes.push({ endpointId: ep.endpointId, action: config.action, status: 'FAILED', detail: e instanceof ArmError ? e.message : `${e.name}: ${e.message}` });
    }
  }
  const reason = `Cost Management reports ${spent} ${unit} spent, ${percent.toFixed(1)}% of ${limit}, at or above ${config.enforceAtPercent}%`;
  for (const o of outcomes) log(SOURCE, { budget: config.budgetName, reason, ...o });
  return { acted: true, reason, outcomes };
}

/**
 * The enforce webhook's answer to the action group. Any endpoint that failed (or a failure before any) answers
 * 503, on which Azure Monitor delivers the notification again; a 500 would be dropped after one delivery.
 * Acting twice is harmless. The body names the failed endpoints only; the errors go to the log.
 */
export async function enforceResponse(env: Readonly<Record<string, string | undefined>>, arm: ArmClient, readBody: () => Promise<unknown>): Promise<WebhookResponse> {
  let body: unknown;
  try {
    body = await readBody();
  } catch {
    return { status: 400, jsonBody: { error: 'the body must be a budget notification (JSON)' } };
  }
  let report: EnforcementReport;
  try {
    report = await enforce(parseEnforcerEnvironment(env), arm, body);
  } catch (err) {
    return retryLater(SOURCE, 'budget enforcement', err);
  }
  const failed = report.outcomes.filter((o) => o.status === 'FAILED').map((o) => o.endpointId);
  if (failed.length) {
    const response = retryLater(SOURCE, 'budget enforcement');
    return { status: response.status, jsonBody: { ...(response.jsonBody as object), failed } };
  }
  return { status: 200, jsonBody: report };
}
