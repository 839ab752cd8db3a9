/**
 * Cloud Monitoring's Alerts API (v3 `projects.alerts.list`): the provider's own record of which alerts are
 * open. Resource shape from Google's REST reference, "REST Resource: projects.alerts"
 * (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alerts): `name`, `state` (`OPEN`,
 * `CLOSED`), `openTime`, `closeTime`, `resource` (MonitoredResource), `metric` (type and the labels kept from
 * the condition), `policy` (PolicySnapshot: `name`, `displayName`, `userLabels`, `severity`).
 */
import { GoogleRest } from './client';

export interface MonitoringAlert {
  readonly name: string;
  readonly state?: string;
  readonly openTime?: string;
  readonly closeTime?: string;
  readonly resource?: { readonly type?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly metric?: { readonly type?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly policy?: { readonly name?: string; readonly displayName?: string };
}

/** The filter sent with the list call (AIP-160 syntax on the Alert's `state`). */
export const OPEN_ALERTS_FILTER = 'state = "OPEN"';
const MAX_PAGES = 20;

/** `alertPolicies/<id>` of a policy name: the project part may be an id or a number. */
export function alertPolicyKey(name: string | undefined): string | undefined {
  return name === undefined ? undefined : /(alertPolicies\/[^/]+)$/.exec(name)?.[1];
}

/**
 * The open alerts of `project` raised by one of `policies` (`projects/<p>/alertPolicies/<id>`). The state is
 * checked again here, so a filter the API applied loosely cannot make a closed alert count.
 */
export async function openAlertsOf(rest: GoogleRest, project: string, policies: readonly string[]): Promise<MonitoringAlert[]> {
  const wanted = new Set(policies.map(alertPolicyKey).filter((k): k is string => k !== undefined));
  const out: MonitoringAlert[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ filter: OPEN_ALERTS_FILTER, pageSize: '100' });
    if (pageToken) query.set('pageToken', pageToken);
    const res = await rest.request<{ alerts?: MonitoringAlert[]; nextPageToken?: string }>('GET', `https://monitoring.googleapis.com/v3/projects/${project}/alerts?${query.toString()}`);
    for (const a of res.alerts ?? []) {
      const key = alertPolicyKey(a.policy?.name);
      if (a.state === 'OPEN' && key !== undefined && wanted.has(key)) out.push(a);
    }
    pageToken = res.nextPageToken || undefined;
    if (!pageToken) break;
  }
  return out;
}
