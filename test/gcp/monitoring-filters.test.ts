/**
 * The Cloud Monitoring filters of the Vertex AI alert policies (endpoint guardrails and the canary's rollback
 * alerts), read back from the synthesized google_monitoring_alert_policy resources and parsed by a parser of
 * the documented filter grammar (test/support/monitoring-filter.ts), not compared as strings. Each must
 * select one endpoint's series of a metric Vertex AI publishes. The monitored resource and metric types are
 * Google's: "aiplatform.googleapis.com/Endpoint" with labels resource_container, location, endpoint_id
 * (Cloud Monitoring, "Monitored resource types"), and the online prediction metrics of "Google Cloud metrics:
 * aiplatform" (prediction/online/error_count, prediction_count, prediction_latencies, ...).
 */
import { Duration, LatencyPercentile, RolloutPolicy } from '../../lib';
import { CanaryRollout, ModelEndpoint } from '../../constructs/gcp';
import { FilterComparison, parseMonitoringFilter } from '../support/monitoring-filter';
import { endpointProps } from './fixtures';
import { synth } from './support/cdktf';

const ENDPOINT_LABELS = ['resource_container', 'location', 'endpoint_id'];
const ONLINE = 'aiplatform.googleapis.com/prediction/online/';

let endpointId = '';
const { json } = synth((scope) => {
  const e = new ModelEndpoint(scope, 'Endpoint', endpointProps({
    scaling: { minReplicas: 2, maxReplicas: 4 },
    guardrails: { maxErrorRatePercent: 2, latencyPercentile: LatencyPercentile.P95, maxLatency: Duration.millis(250) },
  }));
  endpointId = e.endpointId;
  new CanaryRollout(scope, 'Rollout', { endpoint: e, policy: RolloutPolicy.canary({ trafficPercent: 10, bake: Duration.minutes(30) }) });
});

interface Threshold { filter: string; denominator_filter?: string; threshold_value: number }
const conditions = Object.entries(json.resource.google_monitoring_alert_policy as Record<string, { conditions: { display_name: string; condition_threshold: Threshold }[] }>)
  .flatMap(([id, p]) => p.conditions.map((c) => ({ id: `${id}: ${c.display_name}`, ...c.condition_threshold })));

const value = (cs: FilterComparison[], selector: string): string[] => cs.filter((c) => c.selector === selector && c.operator === '=' && !c.negated).map((c) => c.value);

describe('Cloud Monitoring filters of the Vertex AI alert policies', () => {
  test('the endpoint and the rollout each watch an error rate and a latency', () => {
    expect(conditions.map((c) => (c.denominator_filter ? 'ratio' : 'latency')).sort()).toEqual(['latency', 'latency', 'ratio', 'ratio']);
  });

  test('every filter parses, and selects this endpoint\'s series of one published online-prediction metric', () => {
    for (const c of conditions) {
      for (const filter of [c.filter, c.denominator_filter].filter((f): f is string => f !== undefined)) {
        const cs = parseMonitoringFilter(filter);
        expect(`${c.id}: ${value(cs, 'resource.type')}`).toBe(`${c.id}: aiplatform.googleapis.com/Endpoint`);
        expect(`${c.id}: ${value(cs, 'resource.labels.endpoint_id')}`).toBe(`${c.id}: ${endpointId}`);
        expect(value(cs, 'metric.type')).toHaveLength(1);
        for (const cmp of cs.filter((x) => x.selector.startsWith('resource.labels.'))) expect(ENDPOINT_LABELS).toContain(cmp.selector.slice('resource.labels.'.length));
      }
    }
  });

  test('the error condition is a ratio: failed predictions over all predictions, against the spec\'s share', () => {
    for (const c of conditions.filter((x) => x.denominator_filter)) {
      expect(value(parseMonitoringFilter(c.filter), 'metric.type')).toEqual([`${ONLINE}error_count`]);
      expect(value(parseMonitoringFilter(c.denominator_filter!), 'metric.type')).toEqual([`${ONLINE}prediction_count`]);
      // Monitoring compares the ratio (0-1) with the threshold: 2% is 0.02.
      expect(c.threshold_value).toBe(0.02);
    }
  });

  test('the latency condition reads the prediction latency distribution (milliseconds) against the spec\'s limit', () => {
    for (const c of conditions.filter((x) => !x.denominator_filter)) {
      expect(value(parseMonitoringFilter(c.filter), 'metric.type')).toEqual([`${ONLINE}prediction_latencies`]);
      expect(c.threshold_value).toBe(250);
    }
  });

  test('the parser refuses what the grammar does not allow (the checks can fail)', () => {
    expect(() => parseMonitoringFilter('resource.type = "a" and metric.type = "b"')).toThrow(/upper case/);
    expect(() => parseMonitoringFilter('resource.label.endpoint_id = "1"')).toThrow(/unknown selector "resource\.label\.endpoint_id"/);
    expect(() => parseMonitoringFilter('metric.type = aiplatform')).toThrow(/quoted string/);
    expect(() => parseMonitoringFilter('metric.type = "a" AND (resource.type = "b"')).toThrow(/"\)" expected/);
    expect(parseMonitoringFilter('metric.type = starts_with("custom.googleapis.com/") AND NOT resource.labels.location = "us-central1"')).toEqual([
      { selector: 'metric.type', operator: '=', value: 'starts_with("custom.googleapis.com/")', negated: false },
      { selector: 'resource.labels.location', operator: '=', value: 'us-central1', negated: true },
    ]);
  });
});
