/**
 * Lambda entry point `handler` of an AWS BudgetGuard, subscribed to the budget's SNS topic; the logic is in
 * enforcer.ts, the environment in environment.ts (the shape of every handler folder). Shipped pre-bundled in
 * dist/handlers/aws/budget-enforcer.
 */
import type { SNSEvent } from 'aws-lambda';
import { EndpointOutcome, enforceBudget } from './enforcer';

export { REPORT_SOURCE_ATTRIBUTE, REPORT_SOURCE_VALUE, parseBudgetNotification, readBudgetSpend, readConfig } from './enforcer';
export type { BudgetNotification, BudgetSpend, EndpointOutcome, EnforcerConfig, GuardedEndpoint } from './enforcer';

export async function handler(event: SNSEvent): Promise<{ acted: boolean; outcomes: EndpointOutcome[] }> {
  return enforceBudget(event);
}
