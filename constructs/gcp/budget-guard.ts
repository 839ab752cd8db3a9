import { createHash } from 'node:crypto';
import { BillingBudget } from '@cdktf/provider-google/lib/billing-budget';
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic';
import { PubsubTopicIamBinding } from '@cdktf/provider-google/lib/pubsub-topic-iam-binding';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { BudgetAction, BudgetSpec, ProblemCollector, ResolvedBudget, SpecResolver, SpecWarning, TAG_KEYS, describe, isUnresolved } from '../../lib';
import { IBudgetGuardContract } from '../../lib/backend';
import { addTextWarnings } from '../../lib/internal/warnings';
import { renderEnvironment } from '../../lib/internal/function-environment';
import { GCP_ENFORCER_ENV } from './budget-enforcer/environment';
import { VERTEX_CAPABILITIES } from './capabilities';
import { VertexProjectGrant } from './iam';
import { ModelEndpoint } from './model-endpoint';
import { PubsubFunction } from './pubsub-function';
import { budgetGuardPropShapes, throwIfBadShapes } from '../../lib/prop-shapes';

/** Cloud Billing's service id for Vertex AI (services/<id> in budget filters). */
export const VERTEX_AI_BILLING_SERVICE = 'services/C7E2-9256-1C43';
/** The account Cloud Billing publishes budget notifications as. */
export const BILLING_BUDGET_PUBLISHER = 'serviceAccount:billing-budget-alert@system.gserviceaccount.com';
/** allUpdatesRule.monitoringNotificationChannels takes at most five channels. */
const MAX_EMAILS = 5;

export interface BudgetGuardProps {
  /** The endpoints whose spend the budget watches and the enforcer acts on; all of one model and project. */
  readonly endpoints: ModelEndpoint[];
  /** Limit, thresholds and action, from the shared spec (US dollars). */
  readonly budget: BudgetSpec;
  /** Cloud Billing account id, `XXXXXX-XXXXXX-XXXXXX`; its currency must be USD. */
  readonly billingAccount: string;
  /** Budget display name. @default - `<model name>-vertex-<hash>` */
  readonly budgetName?: string;
}

/**
 * A monthly Cloud Billing budget for one model's Vertex AI spend (scoped by the project, Vertex AI's service
 * and the model's label), with actual and forecast thresholds on a Pub/Sub topic, e-mail channels, and an
 * enforcer function that on the first over-budget message of a month pins every deployed model of the
 * guarded endpoints at its floor or undeploys them, and reports what it did on a second topic.
 *
 * Billing data lags by hours: this is a backstop against a forgotten endpoint, not a rate limiter.
 * To bring models back: `terraform apply -replace=<address of the ModelEndpoint's Deployment terraform_data>`.
 */
export class BudgetGuard extends Construct implements IBudgetGuardContract {
  public readonly budget: ResolvedBudget;
  public readonly billingBudget: BillingBudget;
  /** Cloud Billing publishes the budget's status here. */
  public readonly topic: PubsubTopic;
  /** The enforcer's reports. Undefined for NOTIFY. */
  public readonly reportTopic?: PubsubTopic;
  public readonly enforcer?: PubsubFunction;
  /** @deprecated use `budgetName` (the backend contract's name); the same Cloud Billing display name. */
  public readonly displayName: string;
  /** Advice from the shared resolver (also a cdktf `Annotations` warning on this construct). */
  public readonly warnings: SpecWarning[];

  /** The budget's display name in Cloud Billing. */
  public get budgetName(): string {
    return this.displayName;
  }

  constructor(scope: Construct, id: string, props: BudgetGuardProps) {
    super(scope, id);
    // JavaScript callers: a prop of the wrong kind is named here, before the rest reads it as typed.
    throwIfBadShapes(`BudgetGuard ${this.node.path}`, props, [...budgetGuardPropShapes(ModelEndpoint), { field: 'billingAccount', kind: 'string', required: true, example: "'000000-000000-000000'" }]);
    const owner = `BudgetGuard ${this.node.path}`;
    const c = new ProblemCollector();
    const endpoints = props.endpoints;
    if (endpoints.length === 0) {
      c.add({ field: 'endpoints', given: '[]', allowed: 'at least one ModelEndpoint', fix: 'pass the endpoints whose spend this budget guards' });
    }
    const projects = [...new Set(endpoints.map((e) => e.project))];
    if (projects.length > 1) {
      c.add({ field: 'endpoints', given: `endpoints in projects ${describe(projects)}`, allowed: 'endpoints of one project', fix: 'create one BudgetGuard per project' });
    }
    const models = [...new Set(endpoints.map((e) => e.serving.metadata.name))];
    if (models.length > 1) {
      c.add({
        field: 'endpoints',
        given: `endpoints of models ${describe(models)}`,
        allowed: 'on Vertex AI: endpoints of one model (a budget filters on a single label value, model-name)',
        fix: 'create one BudgetGuard per model',
        backend: VERTEX_CAPABILITIES.backend,
      });
    }
    if (!isUnresolved(props.billingAccount) && !/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/.test(props.billingAccount)) {
      c.add({ field: 'billingAccount', given: describe(props.billingAccount), allowed: 'a Cloud Billing account id "XXXXXX-XXXXXX-XXXXXX" (upper-case hex)', fix: 'copy it from `gcloud billing accounts list`' });
    }
    if ((props.budget.emails?.length ?? 0) > MAX_EMAILS) {
      c.add({ field: 'budget.emails', given: `${props.budget.emails!.length} addresses`, allowed: `on Vertex AI: at most ${MAX_EMAILS} (a budget notifies at most five monitoring channels)`, fix: 'use a group address', backend: VERTEX_CAPABILITIES.backend });
    }
    const resolution = SpecResolver.budget(props.budget, VERTEX_CAPABILITIES);
    this.budget = resolution.reportIfInvalid(this, owner, c);
    this.warnings = [...resolution.warnings];
    addTextWarnings(Annotations.of(this), this.warnings);

    // No endpoint only with that problem reported (synth fails, nothing is written): placeholders keep the tree whole.
    const first = endpoints.at(0);
    const project = first?.project ?? '';
    const name = models.at(0) ?? 'none';
    const labels = { ...first?.labels };
    const seed = createHash('sha256').update(this.node.path).digest('hex');
    this.displayName = props.budgetName ?? `${name}-vertex-${seed.slice(0, 6)}`;
    const projectData = new DataGoogleProject(this, 'Project', { projectId: project });

    this.topic = new PubsubTopic(this, 'Topic', { project, name: `${name}-budget-${seed.slice(0, 6)}`, labels });
    // Authoritative for the publisher role on this topic: Cloud Billing is its only topic-level publisher.
    // Project-level publishers (Editor, roles/pubsub.publisher on the project) still reach it: see the README.
    new PubsubTopicIamBinding(this, 'BillingPublishes', { project, topic: this.topic.name, role: 'roles/pubsub.publisher', members: [BILLING_BUDGET_PUBLISHER] });
    const channels = this.budget.emails.map((email, i) => new MonitoringNotificationChannel(this, `Email${i}`, {
      project,
      displayName: `${this.displayName} budget: ${email}`,
      type: 'email',
      labels: { email_address: email },
      userLabels: labels,
    }));

    const limit = this.budget.monthlyLimitUsd;
    const units = Math.floor(limit);
    const enforceAt = this.budget.enforceAtPercent!;
    const actual = [...this.budget.alertThresholdsPercent];
    if (this.budget.action !== BudgetAction.NOTIFY && !actual.includes(enforceAt)) actual.push(enforceAt);
    this.billingBudget = new BillingBudget(this, 'Resource', {
      billingAccount: props.billingAccount,
      displayName: this.displayName,
      // BudgetSpec is in US dollars; Cloud Billing refuses a currency other than the account's.
      amount: { specifiedAmount: { currencyCode: 'USD', units: String(units), nanos: Math.round((limit - units) * 1e9) } },
      budgetFilter: {
        projects: [`projects/${projectData.number}`],
        services: [VERTEX_AI_BILLING_SERVICE],
        labels: { [TAG_KEYS.name]: labels[TAG_KEYS.name] },
        calendarPeriod: 'MONTH',
      },
      thresholdRules: [
        ...actual.sort((a, b) => a - b).map((p) => ({ thresholdPercent: p / 100, spendBasis: 'CURRENT_SPEND' })),
        ...(this.budget.forecastThresholdPercent !== undefined ? [{ thresholdPercent: this.budget.forecastThresholdPercent / 100, spendBasis: 'FORECASTED_SPEND' }] : []),
      ],
      allUpdatesRule: {
        pubsubTopic: this.topic.id,
        schemaVersion: '1.0',
        monitoringNotificationChannels: channels.length > 0 ? channels.map((ch) => ch.id) : undefined,
      },
    });

    // No endpoint: the enforcer has nothing to act on (and synth fails on the reported problem).
    if (this.budget.action === BudgetAction.NOTIFY || first === undefined) return;

    this.reportTopic = new PubsubTopic(this, 'ReportTopic', { project, name: `${name}-budget-reports-${seed.slice(0, 6)}`, labels });
    const markers = new StorageBucket(this, 'MarkerBucket', {
      project,
      name: `${name}-budget-${seed.slice(0, 12)}`,
      location: first.region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      forceDestroy: true,
      labels,
      // One marker per budget period; a year keeps every period's report.
      lifecycleRule: [{ action: { type: 'Delete' }, condition: { age: 400 } }],
    });
    this.enforcer = new PubsubFunction(this, 'Enforcer', {
      project,
      region: first.region,
      handler: 'budget-enforcer',
      functionName: `${name}-budget-${seed.slice(0, 6)}`,
      topic: this.topic.id,
      environment: renderEnvironment(GCP_ENFORCER_ENV, {
        budgetDisplayName: this.displayName,
        budgetName: this.billingBudget.name,
        action: this.budget.action === BudgetAction.DELETE ? 'DELETE' : 'SCALE_TO_FLOOR',
        enforceAtPercent: enforceAt,
        endpoints: endpoints.map((e) => ({ project: e.project, location: e.region, endpointId: e.endpointId, floor: e.serving.minReplicas })),
        markerBucket: markers.name,
        reportTopic: this.reportTopic.id,
      }),
      description: `Enforces budget ${this.displayName} on its Vertex AI endpoints (${this.budget.action})`,
      labels,
      idSeed: seed,
      sourceBucketName: `${name}-budget-src-${seed.slice(0, 10)}`,
    });
    const member = `serviceAccount:${this.enforcer.serviceAccount.email}`;
    new VertexProjectGrant(this, 'EnforcerGrant', {
      project,
      roleId: `modelServingBudget_${seed.slice(0, 10)}`,
      title: `Budget enforcer ${this.displayName}`,
      permissions: this.budget.action === BudgetAction.DELETE
        ? ['aiplatform.endpoints.get', 'aiplatform.endpoints.undeploy']
        // endpoints.get, then mutateDeployedModel, which Google's REST reference says needs aiplatform.endpoints.deploy
        // (project-wide: see VertexProjectGrant).
        : ['aiplatform.endpoints.get', 'aiplatform.endpoints.deploy'],
      member,
    });
    new StorageBucketIamMember(this, 'EnforcerMarkers', { bucket: markers.name, role: 'roles/storage.objectUser', member });
    new PubsubTopicIamMember(this, 'EnforcerReports', { project, topic: this.reportTopic.name, role: 'roles/pubsub.publisher', member });
  }
}
