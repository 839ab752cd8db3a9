/** The rollout controller's environment: rendered by CanaryRollout, parsed by the handler. No cdktf import. */
import { EnvFields, EnvTable } from '../../../lib/internal/function-environment';

export interface ControllerConfig {
  /** Bucket and object holding the rollout state the deployer starts and the controller advances. */
  readonly stateBucket: string;
  readonly stateObject: string;
}

export const ROLLOUT_CONTROLLER_ENV: EnvTable<ControllerConfig> = {
  stateBucket: EnvFields.text('ROLLOUT_STATE_BUCKET'),
  stateObject: EnvFields.text('ROLLOUT_STATE_OBJECT'),
};
