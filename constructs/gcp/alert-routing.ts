import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { Aspects, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { reportProblems } from '../../lib';

export interface AlertRoutingProps {
  /** Cloud Monitoring notification channels (`projects/<p>/notificationChannels/<id>`) every alert policy notifies. */
  readonly alertTarget: string[];
}

/**
 * Routes every Cloud Monitoring alert policy created under `scope` (the endpoints', the rollouts', your own) to the
 * notification channels named once per stack: `new AlertRouting(stack, 'Alerts', { alertTarget: [channel.id] })`.
 * An aspect, so policies made after this line are routed too; channels a policy already has are kept.
 */
export class AlertRouting extends Construct {
  public readonly alertTarget: string[];

  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    const bad = props.alertTarget.filter((c) => !Token.isUnresolved(c) && !/^projects\/[^/]+\/notificationChannels\/[^/]+$/.test(c));
    if (props.alertTarget.length === 0 || bad.length > 0) {
      reportProblems(this, `AlertRouting ${this.node.path}`, [{ field: 'alertTarget', given: JSON.stringify(props.alertTarget), allowed: 'one or more notification channel names "projects/<project>/notificationChannels/<id>" (google_monitoring_notification_channel id)', fix: 'pass [channel.id]' }]);
      // Reported at synth, which fails: route nothing.
      this.alertTarget = [];
      return;
    }
    this.alertTarget = [...props.alertTarget];
    const target = this.alertTarget;
    Aspects.of(scope).add({
      visit(node: IConstruct) {
        if (!(node instanceof MonitoringAlertPolicy)) return;
        const existing = node.notificationChannelsInput ?? [];
        node.notificationChannels = [...existing, ...target.filter((c) => !existing.includes(c))];
      },
    });
  }
}
