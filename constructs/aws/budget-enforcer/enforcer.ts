/**
 * Budget enforcer: runs when AWS Budgets publishes to the BudgetGuard topic. A message is only a reason to
 * look: the enforcer acts when AWS Budgets itself (DescribeBudget, the budget's CalculatedSpend) says this
 * guard's budget has ACTUAL spend at or above the enforcement threshold. Then it scales each guarded
 * SageMaker endpoint to its floor or deletes it, logs one JSON line per action and publishes a report.
 * The figures in the message are never used to decide: whoever can publish to the topic can make the
 * enforcer look, not act. Messages that are not this budget's ACTUAL notification at or above the
 * threshold (forecasts, lower thresholds, other budgets, its own reports) are logged and ignored unread.
 *
 * The Lambda entry point is handler.ts (the shape of every handler folder: handler.ts, the logic, environment.ts).
 * Bundled by esbuild; the AWS SDK v3 clients come from the Lambda runtime.
 */
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { BudgetsClient, DescribeBudgetCommand } from '@aws-sdk/client-budgets';
import { DeleteEndpointCommand, SageMakerClient, UpdateEndpointWeightsAndCapacitiesCommand } from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import { parseEnvironment } from '../../../lib/internal/function-environment';
import { ENFORCER_ENV, EnforcerConfig, GuardedEndpoint } from './environment';

export type { EnforcerConfig, GuardedEndpoint };


/** What a Budgets notification says, as far as the enforcer cares. */
export interface BudgetNotification {
  readonly budgetName: string;
  readonly alertType: string;
  readonly thresholdUsd: number;
}

export interface EndpointOutcome {
  readonly endpointName: string;
  readonly action: string;
  readonly status: 'DONE' | 'ALREADY_GONE' | 'FAILED';
  readonly detail?: string;
}

/** Message attribute that marks the enforcer's own reports, so its subscription filter skips them. */
export const REPORT_SOURCE_ATTRIBUTE = 'source';
export const REPORT_SOURCE_VALUE = 'budget-enforcer';

const sagemaker = new SageMakerClient({});
const autoscaling = new ApplicationAutoScalingClient({});
const sns = new SNSClient({});
const budgets = new BudgetsClient({});

/** What AWS Budgets says the budget has spent this period (USD). */
export interface BudgetSpend {
  readonly actualUsd: number;
  readonly forecastedUsd?: number;
}

/**
 * Reads the budget's spend from AWS Budgets (needs budgets:ViewBudget on the budget). Throws when the budget
 * cannot be read or its spend is not in USD, so the invocation fails and Lambda retries.
 */
export async function readBudgetSpend(config: EnforcerConfig): Promise<BudgetSpend> {
  const out = await budgets.send(new DescribeBudgetCommand({ AccountId: config.accountId, BudgetName: config.budgetName }));
  const actual = out.Budget?.CalculatedSpend?.ActualSpend;
  if (!actual) throw new Error(`AWS Budgets returned no actual spend for budget ${config.budgetName}`);
  if (actual.Unit !== 'USD') throw new Error(`budget ${config.budgetName} reports spend in ${actual.Unit}, the guard enforces USD`);
  const actualUsd = Number(actual.Amount);
  if (!Number.isFinite(actualUsd)) throw new Error(`budget ${config.budgetName} reports an actual spend of ${JSON.stringify(actual.Amount)}`);
  const forecast = out.Budget?.CalculatedSpend?.ForecastedSpend;
  return { actualUsd, forecastedUsd: forecast?.Unit === 'USD' ? Number(forecast.Amount) : undefined };
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): EnforcerConfig {
  return parseEnvironment(ENFORCER_ENV, env);
}

/**
 * Reads the plain-text message AWS Budgets publishes to SNS ("Budget Name: ...", "Alert Type: ACTUAL",
 * "Alert Threshold: > $1,000.00"). Undefined when the message is not a budget notification.
 */
export function parseBudgetNotification(message: string): BudgetNotification | undefined {
  const budgetName = /^\s*Budget Name:\s*(.+?)\s*$/m.exec(message)?.[1];
  const alertType = /^\s*Alert Type:\s*([A-Z_]+)\s*$/m.exec(message)?.[1];
  const threshold = /^\s*Alert Threshold:\s*>=?\s*\$?([\d,]+(?:\.\d+)?)/m.exec(message)?.[1];
  if (!budgetName || !alertType || threshold === undefined) return undefined;
  const thresholdUsd = Number(threshold.replace(/,/g, ''));
  if (!Number.isFinite(thresholdUsd)) return undefined;
  return { budgetName, alertType, thresholdUsd };
}

function log(entry: Record<string, unknown>): void {
  console.log(JSON.stringify({ source: REPORT_SOURCE_VALUE, ...entry }));
}

async function enforce(config: EnforcerConfig, ep: GuardedEndpoint): Promise<EndpointOutcome> {
  try {
    if (config.action === 'DELETE') {
      await sagemaker.send(new DeleteEndpointCommand({ EndpointName: ep.endpointName }));
    } else {
      // Cap autoscaling at the floor first: otherwise the next scale-out alarm undoes the enforcement.
      // Application Auto Scaling scales a variant above its new maximum back in by itself; the next
      // deployment of the stack restores the template's bounds.
      await autoscaling.send(new RegisterScalableTargetCommand({
        ServiceNamespace: 'sagemaker',
        ResourceId: `endpoint/${ep.endpointName}/variant/${ep.variantName}`,
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        MinCapacity: ep.floor,
        MaxCapacity: ep.floor,
      }));
      await sagemaker.send(new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: ep.endpointName,
        DesiredWeightsAndCapacities: [{ VariantName: ep.variantName, DesiredInstanceCount: ep.floor }],
      }));
    }
    const restore = ep.endpointConfigName
      ? `; restore with: aws sagemaker create-endpoint --endpoint-name ${ep.endpointName} --endpoint-config-name ${ep.endpointConfigName}`
      : '';
    return { endpointName: ep.endpointName, action: config.action, status: 'DONE', detail: config.action === 'DELETE' ? `deleted${restore}` : `scaled to ${ep.floor} and autoscaling capped at ${ep.floor} until the next deployment` };
  } catch (err) {
    const e = err as Error;
    // The endpoint is gone already (deleted by hand or by an earlier run): nothing left to stop.
    if (e.name === 'ValidationException' && /could not find endpoint/i.test(e.message)) {
      return { endpointName: ep.endpointName, action: config.action, status: 'ALREADY_GONE', detail: e.message };
    }
    return { endpointName: ep.endpointName, action: config.action, status: 'FAILED', detail: `${e.name}: ${e.message}` };
  }
}

/** What the Lambda entry point (handler.ts) runs for each SNS delivery. */
export async function enforceBudget(event: SNSEvent): Promise<{ acted: boolean; outcomes: EndpointOutcome[] }> {
  const config = readConfig();
  const outcomes: EndpointOutcome[] = [];
  let acted = false;
  for (const record of event.Records ?? []) {
    const message = record.Sns?.Message ?? '';
    const n = parseBudgetNotification(message);
    // A cent of tolerance: Budgets prints the threshold rounded to cents.
    const reason = !n ? 'not a budget notification'
      : n.budgetName !== config.budgetName ? `budget ${n.budgetName} is not ${config.budgetName}`
        : n.alertType !== 'ACTUAL' ? `${n.alertType} alert, only ACTUAL spend is enforced`
          : n.thresholdUsd + 0.01 < config.enforceAtUsd ? `threshold $${n.thresholdUsd} is below the enforcement threshold $${config.enforceAtUsd}`
            : undefined;
    if (reason) {
      log({ event: 'ignored', reason, messageId: record.Sns?.MessageId });
      continue;
    }
    // The message only says where to look; AWS Budgets says whether to act.
    const spend = await readBudgetSpend(config);
    if (spend.actualUsd < config.enforceAtUsd) {
      log({ event: 'ignored', reason: `AWS Budgets reports actual spend $${spend.actualUsd} for ${config.budgetName}, below the enforcement threshold $${config.enforceAtUsd}; the message claimed threshold $${n!.thresholdUsd}`, messageId: record.Sns?.MessageId, actualUsd: spend.actualUsd });
      continue;
    }
    if (acted) continue; // a second notification in the same batch: already enforced
    acted = true;
    for (const ep of config.endpoints) {
      const outcome = await enforce(config, ep);
      log({ event: 'enforced', budgetName: config.budgetName, actualUsd: spend.actualUsd, enforceAtUsd: config.enforceAtUsd, ...outcome });
      outcomes.push(outcome);
    }
  }
  if (!acted) return { acted, outcomes };

  const failed = outcomes.filter((o) => o.status === 'FAILED');
  await sns.send(new PublishCommand({
    TopicArn: config.reportTopicArn,
    Subject: `Budget ${config.budgetName}: ${config.action === 'DELETE' ? 'deleted' : 'scaled to floor'} ${outcomes.length - failed.length} of ${outcomes.length} endpoints`.slice(0, 100),
    Message: JSON.stringify({ budgetName: config.budgetName, action: config.action, outcomes }, null, 2),
    MessageAttributes: { [REPORT_SOURCE_ATTRIBUTE]: { DataType: 'String', StringValue: REPORT_SOURCE_VALUE } },
  }));
  if (failed.length > 0) {
    // Fail the invocation so Lambda's asynchronous retries try the remaining endpoints again.
    throw new Error(`Budget enforcement failed for ${failed.map((o) => o.endpointName).join(', ')}`);
  }
  return { acted, outcomes };
}
