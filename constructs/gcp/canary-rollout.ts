import { createHash } from 'node:crypto';
import { CloudSchedulerJob } from '@cdktf/provider-google/lib/cloud-scheduler-job';
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project';
import { MonitoringAlertPolicy, MonitoringAlertPolicyConditions } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { PubsubTopicIamBinding } from '@cdktf/provider-google/lib/pubsub-topic-iam-binding';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { ProblemCollector, ResolvedRollout, RolloutPolicy, SpecResolver, SpecWarning, describe, isUnresolved } from '../../lib';
import { ICanaryRolloutContract, oneRolloutProblem } from '../../lib/backend';
import { addTextWarnings } from '../../lib/internal/warnings';
import { renderEnvironment } from '../../lib/internal/function-environment';
import { VERTEX_CAPABILITIES } from './capabilities';
import { VertexProjectGrant } from './iam';
import { ModelEndpoint, NOTIFICATION_CHANNEL, NOTIFICATION_CHANNEL_ALLOWED, NOTIFICATION_CHANNEL_FIX } from './model-endpoint';
import { errorRateCondition, latencyCondition } from './monitoring';
import { PubsubFunction } from './pubsub-function';
import { ROLLOUT_CONTROLLER_ENV } from './rollout-controller/environment';
import { rolloutPropShapes, throwIfBadShapes } from '../../lib/prop-shapes';

/** The scheduler message that drives bake timing. */
export const ROLLOUT_TICK = JSON.stringify({ kind: 'tick' });

export interface CanaryRolloutProps {
  /** The endpoint whose next deployments roll out gradually. */
  readonly endpoint: ModelEndpoint;
  /** Steps (exact weights on Vertex AI) and, optionally, guardrails of its own. */
  readonly policy: RolloutPolicy;
  /** Notification channels that also hear about the rollback alerts. @default - none, the controller only */
  readonly notificationChannels?: string[];
}

/**
 * Gradual model updates for a Vertex AI ModelEndpoint. When the endpoint's deployment changes, the deployer
 * uploads the new model and deploys it beside the serving one at the first step's weight; a controller
 * function (Cloud Functions 2nd gen) moves the traffic split through the steps on a one-minute scheduler tick,
 * rolls all traffic back to the stable model when the canary's error-rate or latency alert opens, and
 * undeploys the old model after the final bake. Terraform does not own the split, so it never reverts it.
 */
export class CanaryRollout extends Construct implements ICanaryRolloutContract {
  public readonly rollout: ResolvedRollout;
  /** Advice from the shared resolver (also a cdktf `Annotations` warning on this construct). */
  public readonly warnings: SpecWarning[];
  public readonly stateBucket: StorageBucket;
  /** Receives the alert incidents and the scheduler ticks. */
  public readonly topic: PubsubTopic;
  public readonly notificationChannel: MonitoringNotificationChannel;
  public readonly errorRateAlert: MonitoringAlertPolicy;
  public readonly latencyAlert: MonitoringAlertPolicy;
  public readonly controller: PubsubFunction;
  public readonly tick: CloudSchedulerJob;

  constructor(scope: Construct, id: string, props: CanaryRolloutProps) {
    super(scope, id);
    // JavaScript callers: a prop of the wrong kind is named here, before the rest reads it as typed.
    throwIfBadShapes(`CanaryRollout ${this.node.path}`, props, rolloutPropShapes(ModelEndpoint));
    const { endpoint, policy } = props;
    const owner = `CanaryRollout ${this.node.path}`;
    const problems = new ProblemCollector();
    const oneRollout = oneRolloutProblem(endpoint);
    if (oneRollout) problems.add(oneRollout);
    for (const [i, ch] of (props.notificationChannels ?? []).entries()) {
      if (!isUnresolved(ch) && !NOTIFICATION_CHANNEL.test(ch)) {
        problems.add({ field: `notificationChannels[${i}]`, given: describe(ch), allowed: NOTIFICATION_CHANNEL_ALLOWED, fix: NOTIFICATION_CHANNEL_FIX });
      }
    }
    const resolution = SpecResolver.rollout(policy, VERTEX_CAPABILITIES, { minReplicas: endpoint.serving.minReplicas, endpointGuardrails: endpoint.serving.guardrails });
    // The controller checks bakes on a one-minute tick; a bake of 90 s would really last two minutes. One message
    // per bad bake: a bake the shared rule already refuses (shorter than the tick or the alarm window) is not
    // reported a second time for its seconds.
    const refusedBakes = new Set(resolution.problems.map((p) => p.field));
    policy.steps.forEach((s, i) => {
      const seconds = s.bake.toSeconds();
      if (seconds % 60 !== 0 && !refusedBakes.has(`policy.steps[${i}].bake`)) {
        problems.add({ field: `policy.steps[${i}].bake`, given: s.bake.toString(), allowed: 'on Vertex AI: whole minutes (the rollout controller ticks once a minute)', fix: `use Duration.minutes(${Math.max(1, Math.round(seconds / 60))})`, backend: VERTEX_CAPABILITIES.backend });
      }
    });
    this.rollout = resolution.reportIfInvalid(this, owner, problems);
    this.warnings = [...resolution.warnings];
    addTextWarnings(Annotations.of(this), this.warnings);

    const project = endpoint.project;
    const region = endpoint.region;
    const name = endpoint.serving.metadata.name;
    const labels = { ...endpoint.labels };
    const seed = createHash('sha256').update(this.node.path).digest('hex');
    const stateObject = `rollouts/${endpoint.endpointId}.json`;

    this.stateBucket = new StorageBucket(this, 'StateBucket', {
      project,
      name: `${name}-rollout-${seed.slice(0, 10)}`,
      location: region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      forceDestroy: true,
      labels,
    });
    this.topic = new PubsubTopic(this, 'Topic', { project, name: `${name}-rollout-${endpoint.endpointId}`, labels });
    const projectData = new DataGoogleProject(this, 'Project', { projectId: project });
    this.notificationChannel = new MonitoringNotificationChannel(this, 'Channel', {
      project,
      displayName: `${name} ${endpoint.endpointId} rollout controller`,
      type: 'pubsub',
      labels: { topic: this.topic.id },
      userLabels: labels,
    });
    // Cloud Monitoring publishes incidents as its notification service agent. The binding is authoritative for
    // the publisher role on this topic: no other principal is a topic-level publisher. Project-level grants
    // (Editor, roles/pubsub.publisher on the project) still reach the topic; the controller therefore never
    // acts on what a message says (it reads the open alerts from Cloud Monitoring).
    // Created after the Pub/Sub notification channel: the notification agent is made by Cloud Monitoring (on the
    // project's first Pub/Sub channel), and IAM refuses a binding for an account that does not exist yet.
    new PubsubTopicIamBinding(this, 'MonitoringPublishes', {
      dependsOn: [this.notificationChannel],
      project,
      topic: this.topic.name,
      role: 'roles/pubsub.publisher',
      members: [`serviceAccount:service-${projectData.number}@gcp-sa-monitoring-notification.iam.gserviceaccount.com`],
    });

    const g = this.rollout.guardrails;
    const channels = [this.notificationChannel.id, ...(props.notificationChannels ?? [])];
    const alert = (alertId: string, what: string, condition: MonitoringAlertPolicyConditions) => new MonitoringAlertPolicy(this, alertId, {
      project,
      displayName: `${name} ${endpoint.endpointId} rollout: ${what}`,
      combiner: 'OR',
      notificationChannels: channels,
      userLabels: labels,
      conditions: [condition],
      alertStrategy: { autoClose: '1800s' },
      documentation: { content: `Rolls a canary on Vertex AI endpoint ${endpoint.endpointId} back to the stable model: ${what}, per deployed model.`, mimeType: 'text/markdown' },
    });
    // Grouped by deployed_model_id, so the incident names the model in breach and only the canary's rolls back.
    this.errorRateAlert = alert('ErrorRateAlert', `error rate above ${g.maxErrorRatePercent}%`, errorRateCondition(endpoint.metricErrorCount(), endpoint.metricPredictionCount(), g, true));
    this.latencyAlert = alert('LatencyAlert', `${g.latencyPercentile.name} latency above ${g.maxLatency.toString()}`, latencyCondition(endpoint.metricPredictionLatencies(), g, true));

    this.controller = new PubsubFunction(this, 'Controller', {
      project,
      region,
      handler: 'rollout-controller',
      functionName: `${name}-rollout-${endpoint.endpointId}`,
      topic: this.topic.id,
      environment: renderEnvironment(ROLLOUT_CONTROLLER_ENV, { stateBucket: this.stateBucket.name, stateObject, alertPolicies: [this.errorRateAlert.name, this.latencyAlert.name] }),
      description: `Moves traffic on Vertex AI endpoint ${endpoint.endpointId} through its rollout steps and rolls back on alerts`,
      labels,
      idSeed: seed,
      sourceBucketName: `${name}-rollout-src-${seed.slice(0, 10)}`,
      serial: true,
    });
    new VertexProjectGrant(this, 'ControllerGrant', {
      project,
      roleId: `modelServingRollout_${endpoint.endpointId}`,
      title: `Rollout controller of Vertex AI endpoint ${endpoint.endpointId}`,
      // Read the endpoint, change its traffic split, undeploy the loser.
      permissions: ['aiplatform.endpoints.get', 'aiplatform.endpoints.update', 'aiplatform.endpoints.undeploy'],
      member: `serviceAccount:${this.controller.serviceAccount.email}`,
    });
    // The Alerts API (projects.alerts.list) is how the controller confirms an alert: Monitoring Alert Viewer is
    // the role Google names for viewing alerts through the Cloud Monitoring API.
    new ProjectIamMember(this, 'ControllerReadsAlerts', { project, role: 'roles/monitoring.alertViewer', member: `serviceAccount:${this.controller.serviceAccount.email}` });
    new StorageBucketIamMember(this, 'ControllerState', {
      bucket: this.stateBucket.name,
      role: 'roles/storage.objectUser',
      member: `serviceAccount:${this.controller.serviceAccount.email}`,
    });
    this.tick = new CloudSchedulerJob(this, 'Tick', {
      project,
      region,
      name: `${name}-rollout-tick-${endpoint.endpointId}`,
      description: `Bake timing for the rollout on Vertex AI endpoint ${endpoint.endpointId}`,
      schedule: '* * * * *',
      timeZone: 'Etc/UTC',
      pubsubTarget: { topicName: this.topic.id, data: Buffer.from(ROLLOUT_TICK).toString('base64') },
    });

    endpoint._attachRollout({
      stateBucket: this.stateBucket.name,
      stateObject,
      steps: this.rollout.steps.map((s) => ({ trafficPercent: s.trafficPercent, bakeSeconds: s.bake.toSeconds() })),
    });
  }
}
