import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import { Construct } from 'constructs';
import { Duration, LatencyPercentile, ProblemCollector, ResolvedGuardrails, refusal } from '../../lib';
import { isoDuration } from './azapi/arm-bodies';
import { AZURE_ML_CAPABILITIES } from './capabilities';

/**
 * Guardrails as Azure Monitor log alerts over the endpoint's `AmlOnlineEndpointTrafficLog`: the 5xx share and
 * the latency at the chosen percentile, each evaluated once per evaluation period and firing after that many
 * consecutive breaching periods. Log alerts because Azure metric alerts can neither divide one metric by another
 * nor count consecutive breaches of a static threshold; the traffic log has every request (`TotalDurationMs`,
 * `ResponseCode`, `DeploymentName`), so any percentile can be computed.
 */

/** Evaluation windows Azure Monitor log alerts accept, in minutes. */
export const LOG_ALERT_WINDOWS_MIN = [1, 5, 10, 15, 30, 45, 60];
/** Most evaluation periods a log alert's failing-periods rule can count. */
export const LOG_ALERT_MAX_PERIODS = 6;

/** Refusals for guardrails a log alert cannot evaluate. `field` is the guardrails' dotted path. */
export function checkGuardrails(g: ResolvedGuardrails, field: string, problems: ProblemCollector): void {
  const minutes = g.evaluationPeriod.toSeconds() / 60;
  if (Number.isInteger(minutes) && !LOG_ALERT_WINDOWS_MIN.includes(minutes)) {
    problems.add(refusal(AZURE_ML_CAPABILITIES, `${field}.evaluationPeriod`, g.evaluationPeriod.toString(),
      `${LOG_ALERT_WINDOWS_MIN.join(', ')} minutes (Azure Monitor log alert windows)`, 'use Duration.minutes(1) or Duration.minutes(5)'));
  }
  if (g.breachingPeriods > LOG_ALERT_MAX_PERIODS) {
    problems.add(refusal(AZURE_ML_CAPABILITIES, `${field}.breachingPeriods`, String(g.breachingPeriods),
      `at most ${LOG_ALERT_MAX_PERIODS} consecutive periods (Azure Monitor log alerts count up to six)`, 'use a longer evaluationPeriod with fewer breachingPeriods'));
  }
}

function scope(endpointName: string, deploymentName?: string): string {
  return `| where EndpointName == "${endpointName}"${deploymentName ? ` and DeploymentName == "${deploymentName}"` : ''}`;
}

/** The 5xx share (percent) of the window's requests; 0 without traffic. */
export function errorRateQuery(endpointName: string, deploymentName?: string): string {
  return [
    'AmlOnlineEndpointTrafficLog',
    scope(endpointName, deploymentName),
    '| summarize total = count(), errors = countif(toint(ResponseCode) >= 500)',
    '| extend errorRatePercent = iff(total == 0, 0.0, 100.0 * errors / total)',
  ].join('\n');
}

/** Request latency (ms) at the percentile over the window's requests. */
export function latencyQuery(percentile: LatencyPercentile, endpointName: string, deploymentName?: string): string {
  return [
    'AmlOnlineEndpointTrafficLog',
    scope(endpointName, deploymentName),
    `| summarize latencyMs = percentile(TotalDurationMs, ${percentile.quantile * 100})`,
  ].join('\n');
}

/** The two log queries of a set of guardrail alerts. */
export interface GuardrailQueries {
  /** One row with `errorRatePercent` (0-100). */
  readonly errorRate: string;
  /** One row with `latencyMs`. */
  readonly latency: string;
}

export interface GuardrailAlertsProps {
  /** Alert names start with this. */
  readonly namePrefix: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly logAnalyticsWorkspaceId: string;
  /** What the alerts watch, for names in descriptions (an endpoint name, or a gateway's). */
  readonly endpointName: string;
  /**
   * The two queries, each returning one row with `errorRatePercent` and `latencyMs` respectively.
   * @default - the endpoint's AmlOnlineEndpointTrafficLog queries (errorRateQuery, latencyQuery)
   */
  readonly queries?: GuardrailQueries;
  /** Only this deployment's requests. @default - every deployment of the endpoint */
  readonly deploymentName?: string;
  readonly guardrails: ResolvedGuardrails;
  readonly actionGroupIds: string[];
  readonly tags: Record<string, string>;
  /** What firing means, for the description. */
  readonly purpose: string;
}

/** The names of the two alert rules of a set of guardrails. */
export interface GuardrailRuleNames {
  /** The error-rate rule. */
  readonly errorRate: string;
  /** The latency rule. */
  readonly latency: string;
}

/** The two alerts of a set of guardrails. */
export class GuardrailAlerts extends Construct {
  /** The names the two rules get; what a caller needs to know their ARM ids before they exist. */
  public static ruleNames(namePrefix: string, g: ResolvedGuardrails): GuardrailRuleNames {
    return { errorRate: `${namePrefix}-error-rate`, latency: `${namePrefix}-latency-${g.latencyPercentile.name.replace('.', '-')}` };
  }

  public readonly errorRate: MonitorScheduledQueryRulesAlertV2;
  public readonly latency: MonitorScheduledQueryRulesAlertV2;

  constructor(scope: Construct, id: string, p: GuardrailAlertsProps) {
    super(scope, id);
    const g = p.guardrails;
    const window = isoDuration(g.evaluationPeriod.toMilliseconds());
    const common = {
      resourceGroupName: p.resourceGroupName,
      location: p.location,
      scopes: [p.logAnalyticsWorkspaceId],
      evaluationFrequency: window,
      windowDuration: window,
      action: p.actionGroupIds.length ? { actionGroups: p.actionGroupIds } : undefined,
      tags: p.tags,
    };
    const target = `${p.endpointName}${p.deploymentName ? `/${p.deploymentName}` : ''}`;
    const breaches = `${g.breachingPeriods} consecutive ${g.evaluationPeriod.toString()} periods`;
    const failingPeriods = { minimumFailingPeriodsToTriggerAlert: g.breachingPeriods, numberOfEvaluationPeriods: g.breachingPeriods };
    this.errorRate = new MonitorScheduledQueryRulesAlertV2(this, 'ErrorRate', {
      ...common,
      name: GuardrailAlerts.ruleNames(p.namePrefix, g).errorRate,
      description: `${p.purpose}: more than ${g.maxErrorRatePercent}% of requests to ${target} answered 5xx in ${breaches}`,
      severity: 1,
      criteria: [{
        query: p.queries?.errorRate ?? errorRateQuery(p.endpointName, p.deploymentName),
        timeAggregationMethod: 'Maximum',
        metricMeasureColumn: 'errorRatePercent',
        operator: 'GreaterThan',
        threshold: g.maxErrorRatePercent,
        failingPeriods,
      }],
    });
    this.latency = new MonitorScheduledQueryRulesAlertV2(this, 'Latency', {
      ...common,
      name: GuardrailAlerts.ruleNames(p.namePrefix, g).latency,
      description: `${p.purpose}: ${g.latencyPercentile.name} latency of ${target} above ${g.maxLatency.toMilliseconds()} ms in ${breaches}`,
      severity: 2,
      criteria: [{
        query: p.queries?.latency ?? latencyQuery(g.latencyPercentile, p.endpointName, p.deploymentName),
        timeAggregationMethod: 'Maximum',
        metricMeasureColumn: 'latencyMs',
        operator: 'GreaterThan',
        threshold: g.maxLatency.toMilliseconds(),
        failingPeriods,
      }],
    });
  }
}

/** Parses a view of the guardrails back from an alert pair (for tests and the conformance harness). */
export function describeGuardrailAlerts(errorRate: Record<string, any>, latency: Record<string, any>): string[] {
  const seconds = (iso: string) => Duration.minutes(Number(/^PT(\d+)M$/.exec(iso)?.[1] ?? NaN)).toSeconds();
  const q = /percentile\(TotalDurationMs, ([\d.]+)\)/.exec(latency.criteria[0].query)![1];
  const p = LatencyPercentile.ALL.find((x) => Math.abs(x.quantile * 100 - Number(q)) < 1e-9)!;
  return [
    `errors>${errorRate.criteria[0].threshold}%`,
    `${p.name}>${latency.criteria[0].threshold}ms`,
    `window=${seconds(latency.window_duration)}s`,
    `breaches=${latency.criteria[0].failing_periods.minimum_failing_periods_to_trigger_alert}`,
  ];
}
