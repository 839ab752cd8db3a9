import { MonitorMetricAlert } from '@cdktf/provider-azurerm/lib/monitor-metric-alert';
import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import { Aspects, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { ProblemCollector, reportProblems } from '../../lib';
import { ARM_ID_TYPES, checkArmId } from './validation';

export interface AlertRoutingProps {
  /** ARM ids of the action groups (`azurerm_monitor_action_group`) every alert rule notifies. */
  readonly alertTarget: string[];
}

/**
 * Routes every Azure Monitor alert rule created under `scope` (the endpoints' and rollouts' log alerts, metric alerts,
 * your own) to the action groups named once per stack: `new AlertRouting(stack, 'Alerts', { alertTarget: [group.id] })`.
 * An aspect, so rules made after this line are routed too; action groups a rule already has are kept.
 */
export class AlertRouting extends Construct {
  public readonly alertTarget: string[];

  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    // The same ARM id rule as every other id prop (validation.ts checkArmId: a subscription GUID, the type's path).
    const bad = props.alertTarget.filter((g) => {
      const c = new ProblemCollector();
      checkArmId('alertTarget', g, ARM_ID_TYPES.actionGroup, c);
      return !Token.isUnresolved(g) && c.count > 0;
    });
    if (props.alertTarget.length === 0 || bad.length > 0) {
      reportProblems(this, `AlertRouting ${this.node.path}`, [{ field: 'alertTarget', given: JSON.stringify(props.alertTarget), allowed: 'one or more action group ids "/subscriptions/<subscription GUID>/resourceGroups/<rg>/providers/Microsoft.Insights/actionGroups/<name>"', fix: 'pass [actionGroup.id]' }]);
      // Reported at synth, which fails: route nothing.
      this.alertTarget = [];
      return;
    }
    this.alertTarget = [...props.alertTarget];
    const target = this.alertTarget;
    const merge = (existing: string[] | undefined) => [...(existing ?? []), ...target.filter((g) => !(existing ?? []).includes(g))];
    Aspects.of(scope).add({
      visit(node: IConstruct) {
        if (node instanceof MonitorScheduledQueryRulesAlertV2) {
          node.putAction({ actionGroups: merge(node.action.actionGroupsInput), customProperties: node.action.customPropertiesInput });
        } else if (node instanceof MonitorMetricAlert) {
          const existing = (node.action.internalValue ?? []) as { actionGroupId: string; webhookProperties?: Record<string, string> }[];
          const have = existing.map((a) => a.actionGroupId);
          node.putAction([...existing, ...target.filter((g) => !have.includes(g)).map((actionGroupId) => ({ actionGroupId }))]);
        }
      },
    });
  }
}

/**
 * The action groups the alerts of `scope` notify: `own` (the construct's alertActionGroupIds), then those of every
 * stack-level AlertRouting whose scope holds `scope` (its aspect adds them at synth). Read at the time of the call.
 */
export function alarmTargetsOf(scope: IConstruct, own: readonly string[]): string[] {
  const targets = [...own];
  for (const ancestor of scope.node.scopes) {
    for (const child of ancestor.node.children) {
      if (child instanceof AlertRouting) targets.push(...child.alertTarget.filter((g) => !targets.includes(g)));
    }
  }
  return targets;
}
