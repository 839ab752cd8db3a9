/**
 * The KQL of the guardrail log alerts (endpoint and canary deployment), read back from the synthesized
 * azurerm_monitor_scheduled_query_rules_alert_v2 resources and checked by Kusto's own parser and analyzer
 * (test/support/kql.ts) against the AmlOnlineEndpointTrafficLog schema: no syntax or name errors, and the
 * column each alert measures (`metric_measure_column`) is a numeric column of the query's result.
 *
 * The table's columns and types, from the Azure Monitor table reference
 * (learn.microsoft.com/azure/azure-monitor/reference/tables/amlonlineendpointtrafficlog): the ones the
 * queries may touch. ResponseCode is `int` there while Microsoft's own sample query compares it with strings
 * ("Queries for the AmlOnlineEndpointTrafficLog table": ResponseCode != "200"); the queries convert it with
 * toint(), which holds under either type, and both types are tried below.
 */
import { Duration, LatencyPercentile, RolloutPolicy } from '../../lib';
import { CanaryRollout } from '../../constructs/azure';
import { analyzeKql } from '../support/kql';
import { WEBHOOK_APP, endpoint } from './support/fixtures';
import { resourcesOf, synth } from './support/synth';

const traffic = (responseCode: 'int' | 'string') => ({
  AmlOnlineEndpointTrafficLog:
    `(TimeGenerated:datetime, Location:string, OperationName:string, AzureMLWorkspaceId:string, AzureMLWorkspaceName:string, EndpointName:string, DeploymentName:string, ` +
    `Protocol:string, Method:string, Path:string, ResponseCode:${responseCode}, ResponseCodeReason:string, ModelStatusCode:int, ModelStatusReason:string, ` +
    'RequestPayloadSize:int, ResponsePayloadSize:int, UserAgent:string, XRequestId:string, XMSClientRequestId:string, TotalDurationMs:int, RequestDurationMs:int, ' +
    'ResponseDurationMs:int, RequestThrottlingDelayMs:int, ResponseThrottlingDelayMs:int)',
});

interface Criteria { query: string; metric_measure_column: string; operator: string; threshold: number }
const { tf } = synth((s) => {
  const e = endpoint(s, { guardrails: { maxErrorRatePercent: 2, latencyPercentile: LatencyPercentile.P95, maxLatency: Duration.millis(300) } });
  new CanaryRollout(s, 'Rollout', { webhookApplication: WEBHOOK_APP, endpoint: e, policy: RolloutPolicy.canary({ trafficPercent: 10, bake: Duration.minutes(30) }) });
});
const alerts = Object.entries(resourcesOf(tf as never, 'azurerm_monitor_scheduled_query_rules_alert_v2')).map(([id, r]) => ({ id, criteria: (r.criteria as Criteria[])[0] }));

describe('KQL of the guardrail log alerts', () => {
  test('the endpoint and the canary each get an error-rate and a latency alert', () => {
    expect(alerts.map((a) => a.criteria.metric_measure_column).sort()).toEqual(['errorRatePercent', 'errorRatePercent', 'latencyMs', 'latencyMs']);
  });

  test.each(['int', 'string'] as const)('every query parses and analyzes without a diagnostic (ResponseCode as %s)', (responseCode) => {
    for (const a of alerts) expect(`${a.id}: ${analyzeKql(a.criteria.query, traffic(responseCode)).diagnostics.join('; ')}`).toBe(`${a.id}: `);
  });

  test('each alert measures a numeric column its query returns, in the unit of its threshold', () => {
    for (const a of alerts) {
      const { columns } = analyzeKql(a.criteria.query, traffic('int'));
      const column = columns.find((c) => c.startsWith(`${a.criteria.metric_measure_column}:`));
      expect(`${a.id}: ${column}`).toMatch(new RegExp(`^${a.id}: ${a.criteria.metric_measure_column}:(real|long|int)$`));
    }
    const byColumn = (c: string) => alerts.filter((a) => a.criteria.metric_measure_column === c).map((a) => [a.criteria.operator, a.criteria.threshold]);
    // errorRatePercent is 100 * errors / total: the threshold is the spec's percent, not a 0-1 share.
    expect(byColumn('errorRatePercent')).toEqual([['GreaterThan', 2], ['GreaterThan', 2]]);
    expect(byColumn('latencyMs')).toEqual([['GreaterThan', 300], ['GreaterThan', 300]]);
  });

  test('the canary\'s alerts read only its deployment; the endpoint\'s read every deployment of the endpoint', () => {
    const scoped = alerts.map((a) => /\| where EndpointName == "([^"]+)"( and DeploymentName == "([^"]+)")?/.exec(a.criteria.query)?.[3] ?? '(all)').sort();
    expect(scoped.filter((d) => d === '(all)')).toHaveLength(2);
    expect(scoped.filter((d) => d !== '(all)')).toHaveLength(2);
  });

  test('the checks can fail: a misspelled column, a broken pipe and a string compared as a number are reported', () => {
    expect(analyzeKql('AmlOnlineEndpointTrafficLog | where EndpointNam == "e"', traffic('int')).diagnostics.join()).toMatch(/EndpointNam/);
    expect(analyzeKql('AmlOnlineEndpointTrafficLog | where EndpointName == | summarize', traffic('int')).diagnostics).not.toEqual([]);
    expect(analyzeKql('AmlOnlineEndpointTrafficLog | summarize errors = countif(ResponseCode >= 500)', traffic('string')).diagnostics).not.toEqual([]);
  });
});
