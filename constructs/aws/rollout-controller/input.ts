// What the ExactWeightController construct passes to each execution of the rollout controller: this function's
// input, as environment.ts is for the functions configured by environment (the shape of every handler folder).
// Shared by the construct and the handler (handler.ts); it imports nothing, so the compiled library that imports
// it never contains handler code (handlers ship bundled in dist/handlers).

/** One traffic step: the canary's share in percent and how long it bakes there. */
export interface ControllerStep {
  readonly percent: number;
  readonly bakeSeconds: number;
}

/** A shadow phase as the controller runs it: a copy of `percent`% of requests for `durationSeconds`. */
export interface ControllerShadowInput {
  readonly percent: number;
  readonly durationSeconds: number;
}

/** What the construct decides at synth time; the custom resource passes it to each execution. */
export interface RolloutInput {
  readonly endpointName: string;
  /** The variant that serves the old model and, after promotion, the new one. */
  readonly variantName: string;
  /** The temporary variant that serves the new model during the steps. */
  readonly canaryVariantName: string;
  /** CloudFormation's new endpoint config: its one variant is the new model, as the stack wants it. */
  readonly targetEndpointConfigName: string;
  readonly steps: ControllerStep[];
  /** Alarms on the canary variant, watched from the first step to the end of promotion. */
  readonly canaryAlarmNames: string[];
  /** Alarms on the stable variant, watched during promotion (it serves the new model then). */
  readonly promotionAlarmNames: string[];
  /** How often alarms are checked while a step bakes. */
  readonly pollSeconds: number;
  /** Prefix of the endpoint configs the controller creates (its role may create only these). */
  readonly configPrefix: string;
  /**
   * Before the first step, the new model runs as a shadow variant that receives a copy of `percent`% of
   * requests (SageMaker discards its answers) for `durationSeconds`, watched by the canary alarms.
   */
  readonly shadow?: ControllerShadowInput;
  /**
   * Seconds from the first tick after which the controller rolls back whatever phase it is in (the state
   * machine's own timeout is later, so the rollback gets to run). Optional for executions started before
   * it existed: those have no deadline of their own.
   */
  readonly deadlineSeconds?: number;
  /** Pre-signed URL of the CloudFormation wait condition that holds the stack until the rollout ends. */
  readonly waitHandleUrl?: string;
}

/** How long the controller waits between checks while SageMaker provisions or updates. */
export const PROVISIONING_POLL_SECONDS = 30;
/** Rollback actions are retried this many times before the controller gives up and says so. */
export const MAX_ROLLBACK_ATTEMPTS = 5;
/** The controller Lambda's own timeout (a tick is a handful of API calls). */
export const CONTROLLER_TIMEOUT_SECONDS = 60;
