import { CloudSchedulerJob } from '@cdktf/provider-google/lib/cloud-scheduler-job';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel';
import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { Duration, LatencyPercentile, RolloutPolicy } from '../../lib';
import { CanaryRollout, CanaryRolloutProps, ModelEndpoint } from '../../constructs/gcp';
import { DeploymentPlan } from '../../constructs/gcp/vertex/plan';
import { endpointProps } from './fixtures';
import { Synthesized, synth } from './support/cdktf';
import { expectProblems } from '../support/expect-problems';

function synthRollout(rollout: Partial<CanaryRolloutProps> = {}, endpoint = {}) {
  return synth((scope) => {
    const e = new ModelEndpoint(scope, 'Endpoint', endpointProps({ scaling: { minReplicas: 2, maxReplicas: 4 }, ...endpoint }));
    new CanaryRollout(scope, 'Rollout', { endpoint: e, policy: RolloutPolicy.canary({ trafficPercent: 10, bake: Duration.minutes(30) }), ...rollout });
  });
}

function plan(json: Synthesized): DeploymentPlan {
  return (Object.entries(json.resource.terraform_data).find(([k]) => k.includes('Deployment'))![1] as { input: DeploymentPlan }).input;
}

function stable(out: string): string {
  return out.replace(/assets\/([A-Za-z0-9_]+)\/[0-9A-F]{32}\//g, 'assets/$1/<hash>/').replace(/[0-9A-F]{32}\.zip/g, '<hash>.zip');
}

describe('CanaryRollout (Vertex AI)', () => {
  test('default', () => {
    expect(JSON.parse(stable(synthRollout().out))).toMatchSnapshot();
  });

  test('the endpoint\'s deployment plan carries the exact steps and the state object the controller reads', () => {
    const { json } = synthRollout({ policy: RolloutPolicy.steps([{ trafficPercent: 5, bake: Duration.minutes(20) }, { trafficPercent: 33, bake: Duration.minutes(20) }, { trafficPercent: 100, bake: Duration.minutes(15) }]) });
    expect(plan(json).rollout).toEqual({
      stateBucket: '${google_storage_bucket.Rollout_StateBucket_6BBA9558.name}',
      stateObject: expect.stringMatching(/^rollouts\/\d{10}\.json$/),
      steps: [{ trafficPercent: 5, bakeSeconds: 1200 }, { trafficPercent: 33, bakeSeconds: 1200 }, { trafficPercent: 100, bakeSeconds: 900 }],
    });
    const fn = Object.values(json.resource.google_cloudfunctions2_function)[0] as { service_config: { environment_variables: Record<string, string>; max_instance_count: number }; event_trigger: Record<string, string>; build_config: Record<string, unknown> };
    expect(fn.service_config.environment_variables).toEqual({
      ROLLOUT_STATE_BUCKET: '${google_storage_bucket.Rollout_StateBucket_6BBA9558.name}',
      ROLLOUT_STATE_OBJECT: plan(json).rollout!.stateObject,
      // The controller confirms alerts of exactly these policies with Cloud Monitoring before rolling back.
      ROLLOUT_ALERT_POLICIES: JSON.stringify(['${google_monitoring_alert_policy.Rollout_ErrorRateAlert_6A1D4774.name}', '${google_monitoring_alert_policy.Rollout_LatencyAlert_67A5A19E.name}']),
    });
    expect(fn.service_config.max_instance_count).toBe(1);
    expect(fn.event_trigger).toMatchObject({ event_type: 'google.cloud.pubsub.topic.v1.messagePublished', pubsub_topic: '${google_pubsub_topic.Rollout_Topic_63F54E01.id}', retry_policy: 'RETRY_POLICY_RETRY' });
    expect(fn.build_config).toMatchObject({ runtime: 'nodejs22', entry_point: 'handler' });
  });

  test('alerts go to a Pub/Sub channel on the controller\'s topic, grouped per deployed model', () => {
    const { out, json } = synthRollout({ policy: RolloutPolicy.canary({ guardrails: { latencyPercentile: LatencyPercentile.P50, maxLatency: Duration.millis(80) } }) });
    expect(out).toHaveResourceWithProperties(MonitoringNotificationChannel, { type: 'pubsub', labels: { topic: '${google_pubsub_topic.Rollout_Topic_63F54E01.id}' } });
    const policies = Object.entries(json.resource.google_monitoring_alert_policy).filter(([k]) => k.startsWith('Rollout_')).map(([, v]) => v as { notification_channels: string[]; conditions: { condition_threshold: { aggregations: { group_by_fields: string[]; per_series_aligner: string }[]; threshold_value: number } }[] });
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(p.notification_channels).toEqual(['${google_monitoring_notification_channel.Rollout_Channel_20E66104.id}']);
      expect(p.conditions[0].condition_threshold.aggregations[0].group_by_fields).toEqual(['metric.label.deployed_model_id']);
    }
    expect(policies[1].conditions[0].condition_threshold).toMatchObject({ threshold_value: 80, aggregations: [{ per_series_aligner: 'ALIGN_PERCENTILE_50' }] });
    expect(out).toHaveResourceWithProperties(CloudSchedulerJob, { schedule: '* * * * *', pubsub_target: { topic_name: '${google_pubsub_topic.Rollout_Topic_63F54E01.id}', data: Buffer.from('{"kind":"tick"}').toString('base64') } });
  });

  test('the controller gets exactly get, update (traffic split), undeploy, bound on the project (no resource.name condition: Vertex AI ignores it)', () => {
    const { out, json } = synthRollout();
    expect(out).toHaveResourceWithProperties(ProjectIamCustomRole, { permissions: ['aiplatform.endpoints.get', 'aiplatform.endpoints.undeploy', 'aiplatform.endpoints.update'] });
    const binding = Object.entries(json.resource.google_project_iam_member).find(([k]) => k.includes('ControllerGrant'))![1] as { member: string; condition?: unknown };
    expect(binding.member).toBe('serviceAccount:${google_service_account.Rollout_Controller_RunAs_7A6AAAA9.email}');
    expect(binding.condition).toBeUndefined();
    expect(out).toHaveResourceWithProperties(Cloudfunctions2Function, { service_config: expect.objectContaining({ ingress_settings: 'ALLOW_INTERNAL_ONLY' }) });
  });

  test('only Cloud Monitoring\'s notification agent publishes on the topic (authoritative binding), and the controller may read alerts', () => {
    const { json } = synthRollout();
    expect(json.resource.google_pubsub_topic_iam_member).toBeUndefined();
    expect(Object.values(json.resource.google_pubsub_topic_iam_binding)).toEqual([expect.objectContaining({
      role: 'roles/pubsub.publisher',
      members: ['serviceAccount:service-${data.google_project.Rollout_Project_9CBA4A88.number}@gcp-sa-monitoring-notification.iam.gserviceaccount.com'],
      // The agent must exist before IAM accepts it as a member: the grant waits for the Pub/Sub channel (issue 16).
      depends_on: [expect.stringMatching(/^google_monitoring_notification_channel\.Rollout_Channel_[0-9A-F]+$/)],
    })]);
    // Cloud Monitoring, "Manage alerts": viewing alerts through the Cloud Monitoring API needs Monitoring Alert Viewer.
    expect(Object.values(json.resource.google_project_iam_member)).toContainEqual({ project: 'acme-ml', role: 'roles/monitoring.alertViewer', member: 'serviceAccount:${google_service_account.Rollout_Controller_RunAs_7A6AAAA9.email}' });
  });

  test('the controller is built by a service account of its own with the roles Cloud Functions lists for a build account, scoped to its own resources', () => {
    // Cloud Run functions, "Custom Service Account for Cloud Build" (https://cloud.google.com/functions/docs/securing/build-custom-sa)
    // and Cloud Run, "Configure the build service account" (https://cloud.google.com/run/docs/configuring/services/build-service-account):
    // since July 2024 the default build account may lack permissions; a user build account needs Logs Writer
    // (build logs), Artifact Registry Writer (the image; dockerRepository may name your own repository) and read on
    // the function's source in Cloud Storage.
    const { json } = synthRollout();
    const fn = Object.values(json.resource.google_cloudfunctions2_function)[0] as { build_config: Record<string, unknown>; depends_on: string[] };
    const build = Object.entries(json.resource.google_service_account).find(([k]) => k.startsWith('Rollout_Controller_Build_'))!;
    expect(build[1]).toMatchObject({ account_id: expect.stringMatching(/^rolloutcon-b-[0-9a-f]{6}$/) });
    expect(fn.build_config).toMatchObject({
      service_account: `\${google_service_account.${build[0]}.id}`,
      docker_repository: '${google_artifact_registry_repository.Rollout_Controller_BuildRepository_D4F30C60.id}',
    });
    const member = `serviceAccount:\${google_service_account.${build[0]}.email}`;
    const grants = [
      ...Object.values(json.resource.google_project_iam_member ?? {}),
      ...Object.values(json.resource.google_artifact_registry_repository_iam_member ?? {}),
      ...Object.values(json.resource.google_storage_bucket_iam_member ?? {}),
    ].filter((g) => g.member === member);
    expect(grants.map((g) => [g.role, g.repository ?? g.bucket ?? g.project, (g.condition as { expression?: string } | undefined)?.expression]).sort()).toEqual([
      ['roles/artifactregistry.writer', '${google_artifact_registry_repository.Rollout_Controller_BuildRepository_D4F30C60.name}', undefined],
      ['roles/logging.logWriter', 'acme-ml', undefined],
      ['roles/storage.objectViewer', '${google_storage_bucket.Rollout_Controller_SourceBucket_596467EC.name}', undefined],
      ['roles/storage.objectViewer', 'acme-ml', 'resource.name.startsWith("projects/_/buckets/gcf-v2-sources-")'],
    ]);
    expect(Object.values(json.resource.google_artifact_registry_repository)).toEqual([expect.objectContaining({ format: 'DOCKER', location: 'europe-west4', repository_id: expect.stringMatching(/^digits-rollout-\d{10}-build$/) })]);
    // The function waits for its build account's grants.
    expect(fn.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^google_project_iam_member\.Rollout_Controller_BuildWritesLogs_/), expect.stringMatching(/BuildWritesImage/), expect.stringMatching(/BuildReadsSource_/), expect.stringMatching(/BuildReadsStagedSource_/)]));
  });

  test('the endpoint still leaves traffic_split to the controller', () => {
    const { json } = synthRollout();
    expect(Object.values(json.resource.google_vertex_ai_endpoint)[0]).not.toHaveProperty('traffic_split');
  });
});

describe('CanaryRollout (Vertex AI) validation', () => {
  test('bakes must be whole minutes (the controller ticks once a minute)', () => {
    // 210 s passes the shared minimum (3 min of alarms) but is not a whole number of one-minute ticks.
    expectProblems(() => synthRollout({ policy: RolloutPolicy.canary({ bake: Duration.seconds(210) }) }), /policy\.steps\[0\]\.bake: got 210s; allowed: on Vertex AI: whole minutes \(the rollout controller ticks once a minute\)\. Fix: use Duration\.minutes\(4\)/);
  });
  test('one message per bad bake: a 30 s bake is refused by the shared minimum only, not also for its seconds', () => {
    // Issue 17: a bake under the tick used to give two messages for one problem (whole minutes + the shared minimum).
    const message = expectProblems(() => synthRollout({ policy: RolloutPolicy.canary({ bake: Duration.seconds(30) }) }), /policy\.steps\[0\]\.bake: got 30s; allowed: at least 3min on Vertex AI: the guardrails need 3min to fire .*Fix: bake 3min or longer/);
    expect(message.match(/policy\.steps\[0\]\.bake:/g)).toHaveLength(1);
    expect(message).not.toMatch(/whole minutes/);
  });
  test('a bake beyond what the capabilities allow is refused', () => {
    // RolloutPolicy.steps is a value factory: it throws at once, before any construct exists.
    expect(() => synthRollout({ policy: RolloutPolicy.steps([{ trafficPercent: 10, bake: Duration.hours(25) }, { trafficPercent: 100, bake: Duration.minutes(10) }]) })).toThrow(/bake/);
  });
  test('guardrails Cloud Monitoring cannot express are refused by name', () => {
    expectProblems(() => synthRollout({ policy: RolloutPolicy.canary({ guardrails: { latencyPercentile: LatencyPercentile.P99_9 } }) }), /policy\.guardrails\.latencyPercentile: got p99\.9; allowed: on Vertex AI/);
  });
  test('shadow traffic is refused', () => {
    expectProblems(() => synthRollout({ policy: RolloutPolicy.canary({ shadowTrafficPercent: 10 }) }), /policy\.shadowTrafficPercent: got 10%; allowed: on Vertex AI: no shadow traffic/);
  });
  test('one rollout per endpoint', () => {
    expectProblems(() => synth((scope) => {
      const e = new ModelEndpoint(scope, 'Endpoint', endpointProps());
      new CanaryRollout(scope, 'A', { endpoint: e, policy: RolloutPolicy.canary() });
      new CanaryRollout(scope, 'B', { endpoint: e, policy: RolloutPolicy.canary() });
    }), /endpoint: got stack\/Endpoint, which already has a CanaryRollout/);
  });
});

describe('CanaryRollout notification channels', () => {
  test('a malformed channel id is refused by name (issue 17)', () => {
    expectProblems(() => synthRollout({ notificationChannels: ['oncall'] }), /notificationChannels\[0\]: got "oncall"; allowed: a Cloud Monitoring notification channel name/);
  });
});

