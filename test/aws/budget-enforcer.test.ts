import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { DeleteEndpointCommand, SageMakerClient, UpdateEndpointWeightsAndCapacitiesCommand } from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, parseBudgetNotification, readConfig } from '../../constructs/aws/budget-enforcer/handler';

const sagemaker = mockClient(SageMakerClient);
const sns = mockClient(SNSClient);
const autoscaling = mockClient(ApplicationAutoScalingClient);
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:budget-topic';

/** The plain-text message AWS Budgets publishes to SNS. */
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

function configure(action: 'SCALE_TO_FLOOR' | 'DELETE') {
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
      expect.objectContaining({ event: 'enforced', endpointName: 'digits-prod', action: 'SCALE_TO_FLOOR', status: 'DONE', detail: 'scaled to 1 and autoscaling capped at 1 until the next deployment', thresholdUsd: 1000 }),
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
    expect(JSON.parse(logs[0])).toEqual(expect.objectContaining({ event: 'ignored', reason: expect.stringMatching(reason) }));
  });
});

describe('readConfig', () => {
  const valid = {
    BUDGET_NAME: 'b',
    ACTION: 'DELETE',
    ENFORCE_AT_USD: '900',
    REPORT_TOPIC_ARN: 't',
    GUARDED_ENDPOINTS: JSON.stringify([{ endpointName: 'e', variantName: 'AllTraffic', floor: 1 }]),
  };

  test('reads back what BudgetGuard renders', () => {
    expect(readConfig(valid)).toEqual({
      budgetName: 'b',
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
    expect(() => readConfig({ ACTION: 'DELETE', BUDGET_NAME: 'b', REPORT_TOPIC_ARN: 't', GUARDED_ENDPOINTS: '[{"endpointName":"e"}]' })).toThrow(
      /ENFORCE_AT_USD: got nothing; allowed: a number above 0\n\s+GUARDED_ENDPOINTS: got "\[\{\\"endpointName\\":\\"e\\"\}\]"; allowed: a JSON array/,
    );
  });
});
