import { BillingBudget } from '@cdktf/provider-google/lib/billing-budget';
import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { PubsubTopicIamBinding } from '@cdktf/provider-google/lib/pubsub-topic-iam-binding';
import { BudgetAction, BudgetSpec } from '../../lib';
import { BudgetGuard, BudgetGuardProps, ModelEndpoint } from '../../constructs/gcp';
import { GCP_ENFORCER_ENV } from '../../constructs/gcp/budget-enforcer/environment';
import { parseEnvironment } from '../../lib/internal/function-environment';
import { endpointProps } from './fixtures';
import { synth } from './support/cdktf';
import { expectProblems } from '../support/expect-problems';

const BUDGET: BudgetSpec = { monthlyLimitUsd: 2000.5, emails: ['ml-oncall@example.com'] };

function synthGuard(overrides: Partial<BudgetGuardProps> = {}, second?: Parameters<typeof endpointProps>[0]) {
  return synth((scope) => {
    const endpoints = [new ModelEndpoint(scope, 'Endpoint', endpointProps({ scaling: { minReplicas: 2, maxReplicas: 6 } }))];
    if (second) endpoints.push(new ModelEndpoint(scope, 'Second', endpointProps(second)));
    new BudgetGuard(scope, 'Budget', { endpoints, budget: BUDGET, billingAccount: '01D4EE-079462-DFD6EC', ...overrides });
  });
}

function stable(out: string): string {
  return out.replace(/assets\/([A-Za-z0-9_]+)\/[0-9A-F]{32}\//g, 'assets/$1/<hash>/').replace(/[0-9A-F]{32}\.zip/g, '<hash>.zip');
}

describe('BudgetGuard (Vertex AI)', () => {
  test('default', () => {
    expect(JSON.parse(stable(synthGuard().out))).toMatchSnapshot();
  });

  test('the budget is scoped to the project, Vertex AI and the model label, with actual and forecast thresholds on Pub/Sub', () => {
    const { out } = synthGuard();
    expect(out).toHaveResourceWithProperties(BillingBudget, {
      billing_account: '01D4EE-079462-DFD6EC',
      amount: { specified_amount: { currency_code: 'USD', units: '2000', nanos: 500000000 } },
      budget_filter: {
        projects: ['projects/${data.google_project.Budget_Project_44E9ABCB.number}'],
        services: ['services/C7E2-9256-1C43'],
        labels: { 'model-name': 'digits' },
        calendar_period: 'MONTH',
      },
      threshold_rules: [
        { threshold_percent: 0.5, spend_basis: 'CURRENT_SPEND' },
        { threshold_percent: 0.8, spend_basis: 'CURRENT_SPEND' },
        { threshold_percent: 1, spend_basis: 'CURRENT_SPEND' },
        { threshold_percent: 1, spend_basis: 'FORECASTED_SPEND' },
      ],
      all_updates_rule: { pubsub_topic: '${google_pubsub_topic.Budget_Topic_41013389.id}', schema_version: '1.0', monitoring_notification_channels: ['${google_monitoring_notification_channel.Budget_Email0_5F14573F.id}'] },
    });
    // Authoritative for the publisher role on the budget topic: Cloud Billing's account is its only topic-level publisher.
    expect(out).toHaveResourceWithProperties(PubsubTopicIamBinding, { role: 'roles/pubsub.publisher', members: ['serviceAccount:billing-budget-alert@system.gserviceaccount.com'], topic: '${google_pubsub_topic.Budget_Topic_41013389.name}' });
  });

  test('the enforcer gets the guarded endpoints and floors, in the environment its handler parses', () => {
    const { json } = synthGuard({ budget: { ...BUDGET, enforceAtPercent: 90 } });
    const fn = Object.values(json.resource.google_cloudfunctions2_function)[0] as { service_config: { environment_variables: Record<string, string> } };
    const config = parseEnvironment(GCP_ENFORCER_ENV, fn.service_config.environment_variables);
    expect(config).toMatchObject({ action: 'SCALE_TO_FLOOR', enforceAtPercent: 90, endpoints: [{ project: 'acme-ml', location: 'europe-west4', endpointId: expect.stringMatching(/^\d{10}$/), floor: 2 }] });
    expect(config.reportTopic).toMatch(/google_pubsub_topic\.Budget_ReportTopic_[0-9A-F]{8}\.id/);
  });

  // The enforcer's REST calls and the permission each one's REST reference page lists ("IAM Permissions:
  // Requires the following IAM permission on the endpoint resource"):
  // - GET endpoints/{id}: https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints/get -> aiplatform.endpoints.get
  // - :mutateDeployedModel: https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints/mutateDeployedModel -> aiplatform.endpoints.deploy
  // - :undeployModel: https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints/undeployModel -> aiplatform.endpoints.undeploy
  // No call needs aiplatform.endpoints.update (that is endpoints.patch), so it is not granted.
  test('the enforcer gets only the permissions its calls need: floor get/deploy, DELETE get/undeploy', () => {
    const floor = Object.values(synthGuard().json.resource.google_project_iam_custom_role) as { permissions: string[] }[];
    expect(floor.map((r) => [...r.permissions].sort())).toEqual([['aiplatform.endpoints.deploy', 'aiplatform.endpoints.get']]);
    expect(synthGuard({ budget: { ...BUDGET, action: BudgetAction.DELETE } }).out).toHaveResourceWithProperties(ProjectIamCustomRole, { permissions: ['aiplatform.endpoints.get', 'aiplatform.endpoints.undeploy'] });
  });

  test('NOTIFY creates the budget and its topic, and no function', () => {
    const { json } = synthGuard({ budget: { ...BUDGET, action: BudgetAction.NOTIFY } });
    expect(json.resource.google_cloudfunctions2_function).toBeUndefined();
    expect(Object.keys(json.resource.google_billing_budget)).toHaveLength(1);
  });
});

describe('BudgetGuard (Vertex AI) validation', () => {
  test('endpoints of two models are refused (one label value per budget)', () => {
    expectProblems(() => synthGuard({}, { metadata: { name: 'other', version: '1.0.0', owner: 'ml' } }), /endpoints: got endpoints of models \["digits", "other"\]; allowed: on Vertex AI: endpoints of one model/);
  });
  test('endpoints in two projects are refused', () => {
    expectProblems(() => synthGuard({}, { project: 'acme-ml-other' }), /endpoints: got endpoints in projects \["acme-ml", "acme-ml-other"\]; allowed: endpoints of one project/);
  });
  test('a billing account id that is not one', () => {
    expectProblems(() => synthGuard({ billingAccount: 'acme' }), /billingAccount: got "acme"; allowed: a Cloud Billing account id/);
  });
  test('more than five e-mail addresses', () => {
    expectProblems(() => synthGuard({ budget: { ...BUDGET, emails: ['a@x.io', 'b@x.io', 'c@x.io', 'd@x.io', 'e@x.io', 'f@x.io'] } }), /budget\.emails: got 6 addresses; allowed: on Vertex AI: at most 5/);
  });
  test('no endpoints', () => {
    expectProblems(() => synth((scope) => new BudgetGuard(scope, 'B', { endpoints: [], budget: BUDGET, billingAccount: '01D4EE-079462-DFD6EC' })), /endpoints: got \[\]; allowed: at least one ModelEndpoint/);
  });
  test('the shared budget rules still apply', () => {
    expectProblems(() => synthGuard({ budget: { monthlyLimitUsd: -1 } }), /budget\.monthlyLimitUsd/);
  });
});
