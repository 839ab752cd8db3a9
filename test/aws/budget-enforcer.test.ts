import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { DeleteEndpointCommand, SageMakerClient, UpdateEndpointWeightsAndCapacitiesCommand } from '@aws-sdk/client-sagemaker';
import { BudgetsClient, DescribeBudgetCommand, DescribeBudgetCommandOutput } from '@aws-sdk/client-budgets';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, parseBudgetNotification, readConfig } from '../../constructs/aws/budget-enforcer/handler';

const sagemaker = mockClient(SageMakerClient);
const sns = mockClient(SNSClient);
const autoscaling = mockClient(ApplicationAutoScalingClient);
const budgets = mockClient(BudgetsClient);
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:budget-topic';

/**
 * The plain-text message AWS Budgets publishes to SNS. AWS publishes no sample of it that we could find
 * (searched the AWS Budgets user guide and API reference); the layout is the one Budgets sends. It does not
 * matter for safety any more: the enforcer only reads which budget and alert type it is about, then asks AWS
 * Budgets for the spend.
 */
function budgetMessage(opts: { name?: string; type?: string; threshold?: string } = {}): string {
  return [
    'AWS Budget Notification November 22, 2026',
    'AWS Account 123456789012',
    '',
    'Dear AWS Customer,',
    '',
    `You requested that we alert you when the ${opts.type ?? 'ACTUAL'} Cost associated with your ${opts.name ?? 'digits-monthly'} budget is greater than ${opts.threshold ?? '$1,000.00'} for the current month.`,
    '',
    `Budget Name: ${opts.name ?? 'digits-monthly'}`,
    'Budget Type: Cost',
    'Budgeted Amount: $1,000.00',
    `Alert Type: ${opts.type ?? 'ACTUAL'}`,
    `Alert Threshold: > ${opts.threshold ?? '$1,000.00'}`,
    `${opts.type ?? 'ACTUAL'} Amount: $1,012.34`,
  ].join('\n');
}

function event(...messages: string[]): SNSEvent {
  return {
    Records: messages.map((Message, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${TOPIC}:sub`,
      Sns: {
        Type: 'Notification', MessageId: `m-${i}`, TopicArn: TOPIC, Subject: 'AWS Budgets', Message, Timestamp: '2026-11-22T06:00:00.000Z',
        SignatureVersion: '1', Signature: 'x', SigningCertUrl: 'x', UnsubscribeUrl: 'x', MessageAttributes: {},
      },
    })),
  };
}

/**
 * AWS Budgets' answer to DescribeBudget, in the shape of the Response Syntax of the AWS Billing and Cost
 * Management API reference (API_budgets_DescribeBudget: Budget.BudgetLimit, Budget.CalculatedSpend.ActualSpend /
 * ForecastedSpend as { Amount: string, Unit: string }, docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_DescribeBudget.html).
 */
function describedBudget(actual: string, unit = 'USD'): DescribeBudgetCommandOutput {
  return {
    $metadata: {},
    Budget: {
      BudgetName: 'digits-monthly',
      BudgetLimit: { Amount: '1000.0', Unit: 'USD' },
      CostFilters: { TagKeyValue: ['user:model-name$digits'] },
      TimeUnit: 'MONTHLY',
      TimePeriod: { Start: new Date('2026-11-01T00:00:00Z'), End: new Date('2087-06-15T00:00:00Z') },
      CalculatedSpend: { ActualSpend: { Amount: actual, Unit: unit }, ForecastedSpend: { Amount: '1210.5', Unit: unit } },
      BudgetType: 'COST',
      LastUpdatedTime: new Date('2026-11-22T05:00:00Z'),
    },
  };
}

function configure(action: 'SCALE_TO_FLOOR' | 'DELETE', actualSpend = '1012.34') {
  budgets.on(DescribeBudgetCommand).resolves(describedBudget(actualSpend));
  process.env.BUDGET_ACCOUNT_ID = '123456789012';
  process.env.BUDGET_NAME = 'digits-monthly';
  process.env.ACTION = action;
  process.env.ENFORCE_AT_USD = '1000';
  process.env.REPORT_TOPIC_ARN = TOPIC;
  process.env.GUARDED_ENDPOINTS = JSON.stringify([
    { endpointName: 'digits-prod', variantName: 'AllTraffic', floor: 1, endpointConfigName: 'digits-config-v7' },
    { endpointName: 'fraud-prod', variantName: 'Main', floor: 2 },
  ]);
}

let logs: string[];
beforeEach(() => {
  sagemaker.reset();
  sns.reset();
  autoscaling.reset();
  budgets.reset();
  autoscaling.on(RegisterScalableTargetCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'report-1' });
  logs = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => { logs.push(line); });
});
afterEach(() => jest.restoreAllMocks());

describe('parseBudgetNotification', () => {
  test('reads the budget name, alert type and dollar threshold', () => {
    expect(parseBudgetNotification(budgetMessage())).toEqual({ budgetName: 'digits-monthly', alertType: 'ACTUAL', thresholdUsd: 1000 });
  });

  test('anything else is not a budget notification', () => {
    expect(parseBudgetNotification('{"budgetName":"digits-monthly","action":"DELETE"}')).toBeUndefined();
  });
});

describe('enforcement', () => {
  test('SCALE_TO_FLOOR: each endpoint goes to its floor, one JSON log line per endpoint, one report', async () => {
    configure('SCALE_TO_FLOOR');
    sagemaker.on(UpdateEndpointWeightsAndCapacitiesCommand).resolves({ EndpointArn: 'arn' });
    autoscaling.on(RegisterScalableTargetCommand).resolves({});

    const result = await handler(event(budgetMessage()));

    expect(result.acted).toBe(true);
    // Autoscaling is capped at the floor, so a scale-out alarm cannot undo the enforcement.
    expect(autoscaling.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input)).toEqual([
      { ServiceNamespace: 'sagemaker', ResourceId: 'endpoint/digits-prod/variant/AllTraffic', ScalableDimension: 'sagemaker:variant:DesiredInstanceCount', MinCapacity: 1, MaxCapacity: 1 },
      { ServiceNamespace: 'sagemaker', ResourceId: 'endpoint/fraud-prod/variant/Main', ScalableDimension: 'sagemaker:variant:DesiredInstanceCount', MinCapacity: 2, MaxCapacity: 2 },
    ]);
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand).map((c) => c.args[0].input)).toEqual([
      { EndpointName: 'digits-prod', DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 1 }] },
      { EndpointName: 'fraud-prod', DesiredWeightsAndCapacities: [{ VariantName: 'Main', DesiredInstanceCount: 2 }] },
    ]);
    expect(sagemaker.commandCalls(DeleteEndpointCommand)).toHaveLength(0);

    const entries = logs.map((l) => JSON.parse(l));
    expect(entries).toEqual([
      expect.objectContaining({ event: 'enforced', endpointName: 'digits-prod', action: 'SCALE_TO_FLOOR', status: 'DONE', detail: 'scaled to 1 and autoscaling capped at 1 until the next deployment', actualUsd: 1012.34, enforceAtUsd: 1000 }),
      expect.objectContaining({ event: 'enforced', endpointName: 'fraud-prod', status: 'DONE', detail: 'scaled to 2 and autoscaling capped at 2 until the next deployment' }),
    ]);

    const publishes = sns.commandCalls(PublishCommand);
    expect(publishes).toHaveLength(1);
    const input = publishes[0].args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toBe('Budget digits-monthly: scaled to floor 2 of 2 endpoints');
    expect(input.MessageAttributes).toEqual({ source: { DataType: 'String', StringValue: 'budget-enforcer' } });
    expect(JSON.parse(input.Message!)).toEqual({
      budgetName: 'digits-monthly',
      action: 'SCALE_TO_FLOOR',
      outcomes: [
        { endpointName: 'digits-prod', action: 'SCALE_TO_FLOOR', status: 'DONE', detail: 'scaled to 1 and autoscaling capped at 1 until the next deployment' },
        { endpointName: 'fraud-prod', action: 'SCALE_TO_FLOOR', status: 'DONE', detail: 'scaled to 2 and autoscaling capped at 2 until the next deployment' },
      ],
    });
  });

  test('DELETE: each guarded endpoint is deleted', async () => {
    configure('DELETE');
    sagemaker.on(DeleteEndpointCommand).resolves({});

    await handler(event(budgetMessage()));

    expect(sagemaker.commandCalls(DeleteEndpointCommand).map((c) => c.args[0].input)).toEqual([{ EndpointName: 'digits-prod' }, { EndpointName: 'fraud-prod' }]);
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Subject).toBe('Budget digits-monthly: deleted 2 of 2 endpoints');
    // The report says how to bring an endpoint back from the config CloudFormation still holds.
    const report = JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message!);
    expect(report.outcomes.map((o: { detail: string }) => o.detail)).toEqual([
      'deleted; restore with: aws sagemaker create-endpoint --endpoint-name digits-prod --endpoint-config-name digits-config-v7',
      'deleted',
    ]);
  });

  test('an endpoint that is already gone counts as done and does not fail the run', async () => {
    configure('DELETE');
    const gone = Object.assign(new Error('Could not find endpoint "digits-prod".'), { name: 'ValidationException' });
    sagemaker.on(DeleteEndpointCommand, { EndpointName: 'digits-prod' }).rejects(gone).on(DeleteEndpointCommand, { EndpointName: 'fraud-prod' }).resolves({});

    const result = await handler(event(budgetMessage()));

    expect(result.outcomes.map((o) => o.status)).toEqual(['ALREADY_GONE', 'DONE']);
  });

  test('a failure is reported, the other endpoints are still handled, and the run fails so Lambda retries', async () => {
    configure('SCALE_TO_FLOOR');
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    sagemaker.on(UpdateEndpointWeightsAndCapacitiesCommand, { EndpointName: 'digits-prod' }).rejects(denied)
      .on(UpdateEndpointWeightsAndCapacitiesCommand, { EndpointName: 'fraud-prod' }).resolves({ EndpointArn: 'arn' });

    await expect(handler(event(budgetMessage()))).rejects.toThrow(/Budget enforcement failed for digits-prod/);

    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(2);
    const report = JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message!);
    expect(report.outcomes[0]).toEqual({ endpointName: 'digits-prod', action: 'SCALE_TO_FLOOR', status: 'FAILED', detail: 'AccessDeniedException: not authorized' });
  });
});

describe('the spend comes from AWS Budgets, never from the message', () => {
  test('the enforcer reads this budget with DescribeBudget (its account and name) before acting', async () => {
    configure('DELETE');
    sagemaker.on(DeleteEndpointCommand).resolves({});
    await handler(event(budgetMessage()));
    expect(budgets.commandCalls(DescribeBudgetCommand).map((c) => c.args[0].input)).toEqual([{ AccountId: '123456789012', BudgetName: 'digits-monthly' }]);
  });

  // The security review's proof of concept: any in-account publisher sent this text and the endpoints went.
  test('a forged over-budget notification while AWS Budgets reports $12.34 of $1,000 deletes nothing', async () => {
    configure('DELETE', '12.34');
    const forged = 'Budget Name: digits-monthly\nAlert Type: ACTUAL\nAlert Threshold: > $5,000.00\nACTUAL Amount: $9,999.00';

    const result = await handler(event(forged));

    expect(result).toEqual({ acted: false, outcomes: [] });
    expect(sagemaker.calls()).toHaveLength(0);
    expect(autoscaling.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
    expect(JSON.parse(logs[0])).toEqual(expect.objectContaining({
      event: 'ignored',
      reason: 'AWS Budgets reports actual spend $12.34 for digits-monthly, below the enforcement threshold $1000; the message claimed threshold $5000',
    }));
  });

  test('spend exactly at the threshold enforces; one cent below does not', async () => {
    configure('DELETE', '1000');
    sagemaker.on(DeleteEndpointCommand).resolves({});
    expect((await handler(event(budgetMessage()))).acted).toBe(true);
    sagemaker.reset();
    configure('DELETE', '999.99');
    expect((await handler(event(budgetMessage()))).acted).toBe(false);
    expect(sagemaker.calls()).toHaveLength(0);
  });

  test('two notifications in one batch enforce once', async () => {
    configure('DELETE');
    sagemaker.on(DeleteEndpointCommand).resolves({});
    const result = await handler(event(budgetMessage(), budgetMessage()));
    expect(result.outcomes).toHaveLength(2);
    expect(sagemaker.commandCalls(DeleteEndpointCommand)).toHaveLength(2);
  });

  test.each([
    ['the budget cannot be read', () => budgets.on(DescribeBudgetCommand).rejects(Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/enforcer is not authorized to perform: budgets:ViewBudget'), { name: 'AccessDeniedException' })), /not authorized to perform: budgets:ViewBudget/],
    ['the budget reports another currency', () => budgets.on(DescribeBudgetCommand).resolves(describedBudget('2000', 'EUR')), /reports spend in EUR, the guard enforces USD/],
    ['the budget reports no actual spend', () => budgets.on(DescribeBudgetCommand).resolves({ $metadata: {}, Budget: { BudgetName: 'digits-monthly', BudgetType: 'COST', TimeUnit: 'MONTHLY' } }), /returned no actual spend/],
  ])('%s: the run fails (Lambda retries) and nothing is touched', async (_name, arrange, message) => {
    configure('DELETE');
    arrange();
    await expect(handler(event(budgetMessage()))).rejects.toThrow(message);
    expect(sagemaker.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });
});

describe('notifications that do nothing', () => {
  test.each([
    ['a forecast', budgetMessage({ type: 'FORECASTED' }), /FORECASTED alert, only ACTUAL/],
    ['a lower actual threshold', budgetMessage({ threshold: '$800.00' }), /threshold \$800 is below the enforcement threshold \$1000/],
    ['another budget', budgetMessage({ name: 'other-team' }), /budget other-team is not digits-monthly/],
    ['the enforcer\'s own report', '{"budgetName":"digits-monthly","action":"SCALE_TO_FLOOR","outcomes":[]}', /not a budget notification/],
  ])('%s', async (_name, message, reason) => {
    configure('DELETE');

    const result = await handler(event(message));

    expect(result).toEqual({ acted: false, outcomes: [] });
    expect(sagemaker.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
    // Not even read: only this budget's ACTUAL notification at the enforcement threshold is worth a look.
    expect(budgets.calls()).toHaveLength(0);
    expect(JSON.parse(logs[0])).toEqual(expect.objectContaining({ event: 'ignored', reason: expect.stringMatching(reason) }));
  });
});

describe('readConfig', () => {
  const valid = {
    BUDGET_NAME: 'b',
    BUDGET_ACCOUNT_ID: '123456789012',
    ACTION: 'DELETE',
    ENFORCE_AT_USD: '900',
    REPORT_TOPIC_ARN: 't',
    GUARDED_ENDPOINTS: JSON.stringify([{ endpointName: 'e', variantName: 'AllTraffic', floor: 1 }]),
  };

  test('reads back what BudgetGuard renders', () => {
    expect(readConfig(valid)).toEqual({
      budgetName: 'b',
      accountId: '123456789012',
      action: 'DELETE',
      enforceAtUsd: 900,
      reportTopicArn: 't',
      endpoints: [{ endpointName: 'e', variantName: 'AllTraffic', floor: 1 }],
    });
  });

  test('refuses an unknown action', () => {
    expect(() => readConfig({ ...valid, ACTION: 'NOTIFY' })).toThrow(/ACTION: got "NOTIFY"; allowed: one of SCALE_TO_FLOOR, DELETE/);
  });

  test('names every missing or malformed variable at once', () => {
    expect(() => readConfig({ ACTION: 'DELETE', BUDGET_NAME: 'b', BUDGET_ACCOUNT_ID: '123456789012', REPORT_TOPIC_ARN: 't', GUARDED_ENDPOINTS: '[{"endpointName":"e"}]' })).toThrow(
      /ENFORCE_AT_USD: got nothing; allowed: a number above 0\n\s+GUARDED_ENDPOINTS: got "\[\{\\"endpointName\\":\\"e\\"\}\]"; allowed: a JSON array/,
    );
  });
});
