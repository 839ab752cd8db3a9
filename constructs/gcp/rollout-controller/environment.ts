/** The rollout controller's environment: rendered by CanaryRollout, parsed by the handler. No cdktf import. */
import { EnvFields, EnvTable } from '../../../lib/internal/function-environment';

export interface ControllerConfig {
  /** Bucket and object holding the rollout state the deployer starts and the controller advances. */
  readonly stateBucket: string;
  readonly stateObject: string;
  /**
   * The rollout's alert policies (`projects/<p>/alertPolicies/<id>`). Only an alert Cloud Monitoring itself
   * reports open for one of these rolls back; the content of a Pub/Sub message never does.
   */
  readonly alertPolicies: readonly string[];
}

function isPolicyList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v.length > 0);
}

export const ROLLOUT_CONTROLLER_ENV: EnvTable<ControllerConfig> = {
  stateBucket: EnvFields.text('ROLLOUT_STATE_BUCKET'),
  stateObject: EnvFields.text('ROLLOUT_STATE_OBJECT'),
  alertPolicies: EnvFields.json('ROLLOUT_ALERT_POLICIES', 'a JSON array of alert policy names (projects/<p>/alertPolicies/<id>), at least one', isPolicyList),
};
