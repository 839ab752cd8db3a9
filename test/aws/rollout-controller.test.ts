import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, DescribeAlarmsCommandInput } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointConfigCommand,
  DeleteEndpointConfigCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListEndpointConfigsCommand,
  ProductionVariant,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointCommandInput,
  UpdateEndpointWeightsAndCapacitiesCommand,
  UpdateEndpointWeightsAndCapacitiesCommandInput,
} from '@aws-sdk/client-sagemaker';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import validateAsl from 'asl-validator';
import {
  ControllerState,
  MAX_ROLLBACK_ATTEMPTS,
  RolloutInput,
  TERMINAL_PHASES,
  canaryInstanceCount,
  handler,
  onEvent,
  tick,
  trigger,
} from '../../constructs/aws/rollout-controller/handler';
import { MAX_CONTROLLER_FAILURES, rollbackWorstCaseSeconds, rolloutStateMachineDefinition } from '../../constructs/aws/rollout-state-machine';

const sagemaker = mockClient(SageMakerClient);
const cloudwatch = mockClient(CloudWatchClient);
const autoscaling = mockClient(ApplicationAutoScalingClient);
const sfn = mockClient(SFNClient);

const INPUT: RolloutInput = {
  endpointName: 'digits-prod',
  variantName: 'AllTraffic',
  canaryVariantName: 'AllTraffic-canary',
  targetEndpointConfigName: 'cfn-config-new',
  steps: [{ percent: 5, bakeSeconds: 3600 }, { percent: 100, bakeSeconds: 600 }],
  canaryAlarmNames: ['canary-errors', 'canary-latency'],
  promotionAlarmNames: ['stable-errors', 'stable-latency'],
  pollSeconds: 60,
  configPrefix: 'digits-prod-rollout',
};

function configVariant(model: string): ProductionVariant {
  return { VariantName: 'AllTraffic', ModelName: model, InstanceType: 'ml.c5.xlarge', InitialInstanceCount: 2, InitialVariantWeight: 1, ContainerStartupHealthCheckTimeoutInSeconds: 600 };
}

interface LiveVariant { model: string; desired: number; weight: number }

/**
 * SageMaker as the controller sees it: UpdateEndpoint and weight changes take one DescribeEndpoint in
 * `Updating` to apply; a blue/green update with rollback alarms is undone when one of them is in ALARM.
 */
class FakeSageMaker {
  public status = 'InService';
  public configName = 'cfn-config-old';
  public variants = new Map<string, LiveVariant>([['AllTraffic', { model: 'digits-v1', desired: 2, weight: 1 }]]);
  public shadows = new Map<string, LiveVariant>();
  public configs = new Map<string, { variants: ProductionVariant[]; shadows?: ProductionVariant[]; kms?: string }>([
    ['cfn-config-old', { variants: [configVariant('digits-v1')], kms: 'arn:aws:kms:eu-west-1:123456789012:key/k' }],
    ['cfn-config-new', { variants: [configVariant('digits-v2')], kms: 'arn:aws:kms:eu-west-1:123456789012:key/k' }],
  ]);
  public alarms = new Map<string, string>([...INPUT.canaryAlarmNames, ...INPUT.promotionAlarmNames].map((a) => [a, 'OK']));
  /** Names in `alarms` that are composite alarms. */
  public compositeAlarms = new Set<string>();
  public scaleInSuspended = false;
  public failureReason?: string;
  /** The next UpdateEndpoint fails its health checks and SageMaker stays on the old config. */
  public failNextUpdate?: string;
  public failNextWeights?: Error;
  private pending?: () => void;

  constructor() {
    sagemaker.on(DescribeEndpointCommand).callsFake(() => this.describe());
    sagemaker.on(DescribeEndpointConfigCommand).callsFake(({ EndpointConfigName }) => {
      const c = this.configs.get(EndpointConfigName);
      if (!c) throw Object.assign(new Error(`Could not find endpoint configuration "${EndpointConfigName}".`), { name: 'ValidationException' });
      return { EndpointConfigName, ProductionVariants: c.variants, KmsKeyId: c.kms };
    });
    sagemaker.on(CreateEndpointConfigCommand).callsFake(({ EndpointConfigName, ProductionVariants, ShadowProductionVariants, KmsKeyId }) => {
      this.configs.set(EndpointConfigName, { variants: ProductionVariants, shadows: ShadowProductionVariants, kms: KmsKeyId });
      return { EndpointConfigArn: `arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/${EndpointConfigName}` };
    });
    sagemaker.on(DeleteEndpointConfigCommand).callsFake(({ EndpointConfigName }) => {
      this.configs.delete(EndpointConfigName);
      return {};
    });
    sagemaker.on(UpdateEndpointCommand).callsFake((input: UpdateEndpointCommandInput) => this.update(input));
    sagemaker.on(UpdateEndpointWeightsAndCapacitiesCommand).callsFake((input: UpdateEndpointWeightsAndCapacitiesCommandInput) => {
      this.requireInService();
      if (this.failNextWeights) {
        const e = this.failNextWeights;
        this.failNextWeights = undefined;
        throw e;
      }
      this.status = 'Updating';
      this.pending = () => {
        for (const w of input.DesiredWeightsAndCapacities!) {
          const v = this.variants.get(w.VariantName!)!;
          if (w.DesiredWeight !== undefined) v.weight = w.DesiredWeight;
          if (w.DesiredInstanceCount !== undefined) v.desired = w.DesiredInstanceCount;
        }
      };
      return { EndpointArn: 'arn' };
    });
    // CloudWatch's DescribeAlarms as its API reference describes it: alarms by name; without AlarmTypes
    // only metric alarms come back ("If you omit this parameter, only metric alarms are returned, even if
    // composite alarms exist in the account"); names that do not exist are simply absent.
    cloudwatch.on(DescribeAlarmsCommand).callsFake(({ AlarmNames, AlarmTypes }: DescribeAlarmsCommandInput) => {
      const types = AlarmTypes ?? ['MetricAlarm'];
      const existing = (AlarmNames ?? []).filter((n) => this.alarms.has(n));
      const of = (composite: boolean) => existing.filter((n) => this.compositeAlarms.has(n) === composite).map((AlarmName) => ({ AlarmName, StateValue: this.alarms.get(AlarmName) }));
      return {
        MetricAlarms: types.includes('MetricAlarm') ? of(false) : [],
        CompositeAlarms: types.includes('CompositeAlarm') ? of(true) : [],
      };
    });
    sagemaker.on(ListEndpointConfigsCommand).callsFake(({ NameContains }) => ({
      EndpointConfigs: [...this.configs.keys()].filter((n) => n.includes(NameContains ?? '')).map((EndpointConfigName) => ({ EndpointConfigName, EndpointConfigArn: `arn:${EndpointConfigName}`, CreationTime: T0 })),
    }));
    autoscaling.on(DescribeScalableTargetsCommand).callsFake(() => ({
      ScalableTargets: [{ ServiceNamespace: 'sagemaker', ResourceId: 'endpoint/digits-prod/variant/AllTraffic', MinCapacity: 2, MaxCapacity: 8, SuspendedState: { DynamicScalingInSuspended: this.scaleInSuspended } }],
    }));
    autoscaling.on(RegisterScalableTargetCommand).callsFake(({ SuspendedState }) => {
      this.scaleInSuspended = SuspendedState.DynamicScalingInSuspended;
      return {};
    });
  }

  private requireInService(): void {
    if (this.status !== 'InService') throw Object.assign(new Error(`Cannot update in-progress endpoint "${INPUT.endpointName}".`), { name: 'ValidationException' });
  }

  private describe() {
    if (this.pending) {
      // The first look after a change sees it in progress; the next sees it applied.
      const apply = this.pending;
      this.pending = undefined;
      this.deferred = apply;
    } else if (this.deferred) {
      this.deferred();
      this.deferred = undefined;
      if (this.status === 'Updating') this.status = 'InService';
    }
    return {
      EndpointName: INPUT.endpointName,
      EndpointStatus: this.status,
      EndpointConfigName: this.configName,
      FailureReason: this.failureReason,
      ProductionVariants: [...this.variants].map(([VariantName, v]) => ({ VariantName, CurrentWeight: v.weight, DesiredWeight: v.weight, CurrentInstanceCount: v.desired, DesiredInstanceCount: v.desired })),
      ShadowProductionVariants: this.shadows.size === 0 ? undefined : [...this.shadows].map(([VariantName, v]) => ({ VariantName, CurrentWeight: v.weight, CurrentInstanceCount: v.desired })),
    };
  }
  private deferred?: () => void;

  private update(input: UpdateEndpointCommandInput) {
    this.requireInService();
    const config = this.configs.get(input.EndpointConfigName!);
    if (!config) throw Object.assign(new Error('Could not find endpoint configuration'), { name: 'ValidationException' });
    this.status = 'Updating';
    const alarms = input.DeploymentConfig?.AutoRollbackConfiguration?.Alarms?.map((a) => a.AlarmName!) ?? [];
    const failure = this.failNextUpdate;
    this.failNextUpdate = undefined;
    this.pending = () => {
      if (failure) {
        this.failureReason = failure;
        return;
      }
      if (alarms.some((a) => this.alarms.get(a) === 'ALARM')) return; // SageMaker rolled the update back
      const retainWeight = input.RetainAllVariantProperties && !input.ExcludeRetainedVariantProperties?.some((p) => p.VariantPropertyType === 'DesiredWeight');
      const next = new Map<string, LiveVariant>();
      for (const v of config.variants) {
        const old = this.variants.get(v.VariantName!);
        next.set(v.VariantName!, {
          model: v.ModelName!,
          desired: input.RetainAllVariantProperties && old ? old.desired : v.InitialInstanceCount!,
          weight: retainWeight && old ? old.weight : v.InitialVariantWeight!,
        });
      }
      this.variants = next;
      this.shadows = new Map((config.shadows ?? []).map((v) => [v.VariantName!, { model: v.ModelName!, desired: v.InitialInstanceCount!, weight: v.InitialVariantWeight! }]));
      this.configName = input.EndpointConfigName!;
    };
    return { EndpointArn: 'arn' };
  }
}

let sm: FakeSageMaker;
let logs: string[];
beforeEach(() => {
  sagemaker.reset();
  cloudwatch.reset();
  autoscaling.reset();
  sfn.reset();
  sm = new FakeSageMaker();
  logs = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => void logs.push(line));
});
afterEach(() => jest.restoreAllMocks());

const T0 = new Date('2026-11-30T08:00:00Z');

/** Runs the controller as the state machine does; `during` may change the world before each tick. */
async function run(during: (s: ControllerState, clockSeconds: number) => void = () => undefined, input: RolloutInput = INPUT) {
  let state: ControllerState = { ...input, phase: 'START', stepIndex: 0, waitSeconds: 0 };
  let clock = 0;
  const phases: string[] = [];
  for (let i = 0; i < 2000 && !TERMINAL_PHASES.includes(state.phase); i++) {
    clock += state.waitSeconds;
    during(state, clock);
    state = await tick(state, new Date(T0.getTime() + clock * 1000));
    if (phases[phases.length - 1] !== state.phase) phases.push(state.phase);
  }
  return { state, phases, clock };
}

function weightCalls() {
  return sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand).map((c) => c.args[0].input.DesiredWeightsAndCapacities);
}

describe('rollout controller: the bake passes', () => {
  test('exact weights at two instances, each step baked, promoted with the capacity autoscaling reached', async () => {
    const { state, phases, clock } = await run((s, t) => {
      // Autoscaling grows the stable fleet to 4 during the 5% step.
      if (s.phase === 'BAKING' && s.stepIndex === 0 && t > 1800) sm.variants.get('AllTraffic')!.desired = 4;
    });
    expect(state.phase).toBe('DONE');
    expect(phases).toEqual(['PROVISIONING', 'BAKING', 'SHIFTING', 'BAKING', 'PROMOTING', 'DONE']);

    // The canary config: 95/5 by weight, one canary instance beside two stable ones.
    const canaryConfig = sagemaker.commandCalls(CreateEndpointConfigCommand)[0].args[0].input;
    expect(canaryConfig.EndpointConfigName).toMatch(/^digits-prod-rollout-20261130080000-c$/);
    expect(canaryConfig.KmsKeyId).toBe('arn:aws:kms:eu-west-1:123456789012:key/k');
    expect(canaryConfig.ProductionVariants!.map((v) => [v.VariantName, v.ModelName, v.InitialVariantWeight, v.InitialInstanceCount])).toEqual([
      ['AllTraffic', 'digits-v1', 95, 2],
      ['AllTraffic-canary', 'digits-v2', 5, 1],
    ]);
    // 100%: the canary gets the stable fleet's size (4 after the scale-out).
    expect(weightCalls()).toEqual([[
      { VariantName: 'AllTraffic', DesiredWeight: 0 },
      { VariantName: 'AllTraffic-canary', DesiredWeight: 100, DesiredInstanceCount: 4 },
    ]]);
    // Promotion: new model on the stable variant, 4 instances, guarded by SageMaker's own rollback.
    const promoted = sagemaker.commandCalls(CreateEndpointConfigCommand)[1].args[0].input;
    expect(promoted.ProductionVariants).toEqual([{ ...configVariant('digits-v2'), InitialInstanceCount: 4, InitialVariantWeight: 1 }]);
    const promote = sagemaker.commandCalls(UpdateEndpointCommand)[1].args[0].input;
    expect(promote.DeploymentConfig!.AutoRollbackConfiguration!.Alarms!.map((a) => a.AlarmName)).toEqual(['canary-errors', 'canary-latency', 'stable-errors', 'stable-latency']);
    expect(sm.configName).toBe(promoted.EndpointConfigName);
    expect([...sm.variants]).toEqual([['AllTraffic', { model: 'digits-v2', desired: 4, weight: 1 }]]);
    // Both bakes were honoured in full.
    expect(clock).toBeGreaterThanOrEqual(3600 + 600);
    // Scale-in was held during the rollout and given back; the canary config is gone.
    expect(autoscaling.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input.SuspendedState)).toEqual([{ DynamicScalingInSuspended: true }, { DynamicScalingInSuspended: false }]);
    expect(sm.scaleInSuspended).toBe(false);
    expect(sm.configs.has(canaryConfig.EndpointConfigName!)).toBe(false);
    expect(state.reason).toBe('promoted');
  });

  test('three steps move the weights 5 -> 25 -> 100 and size the canary with its share', async () => {
    sm.variants.get('AllTraffic')!.desired = 8;
    const steps = [{ percent: 5, bakeSeconds: 600 }, { percent: 25, bakeSeconds: 600 }, { percent: 100, bakeSeconds: 300 }];
    const { state } = await run(undefined, { ...INPUT, steps });
    expect(state.phase).toBe('DONE');
    expect(weightCalls().map((w) => w!.map((v) => [v.VariantName, v.DesiredWeight, v.DesiredInstanceCount]))).toEqual([
      [['AllTraffic', 75, undefined], ['AllTraffic-canary', 25, 2]],
      [['AllTraffic', 0, undefined], ['AllTraffic-canary', 100, 8]],
    ]);
  });

  test('a model the stable variant already serves is nothing to do (e.g. the stack rolling back)', async () => {
    const { state } = await run(undefined, { ...INPUT, targetEndpointConfigName: 'cfn-config-old' });
    expect(state.phase).toBe('DONE');
    expect(state.reason).toMatch(/already serves model digits-v1/);
    expect(sagemaker.commandCalls(UpdateEndpointCommand)).toHaveLength(0);
    expect(autoscaling.commandCalls(RegisterScalableTargetCommand)).toHaveLength(0);
  });
});

describe('rollout controller: rollback', () => {
  function expectRolledBack(state: ControllerState) {
    expect(state.phase).toBe('ROLLED_BACK');
    expect(sm.configName).toBe('cfn-config-old');
    expect([...sm.variants.keys()]).toEqual(['AllTraffic']);
    expect(sm.variants.get('AllTraffic')!.model).toBe('digits-v1');
    expect(sm.scaleInSuspended).toBe(false);
    const restore = sagemaker.commandCalls(UpdateEndpointCommand).map((c) => c.args[0].input).find((i) => i.EndpointConfigName === 'cfn-config-old')!;
    expect(restore).toEqual({
      EndpointName: 'digits-prod',
      EndpointConfigName: 'cfn-config-old',
      RetainAllVariantProperties: true,
      ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DesiredWeight' }],
    });
  }

  test('an alarm during a step sends all traffic back to the stable variant, then restores the config', async () => {
    const { state, phases, clock } = await run((s, t) => {
      if (s.phase === 'BAKING' && t > 900) sm.alarms.set('canary-errors', 'ALARM');
    });
    expectRolledBack(state);
    expect(state.reason).toBe('alarm canary-errors fired during step 1 (5%)');
    expect(phases).toEqual(['PROVISIONING', 'BAKING', 'ROLLBACK', 'ROLLED_BACK']);
    // Traffic first (seconds), then the config (provisioning).
    expect(weightCalls()).toEqual([[{ VariantName: 'AllTraffic', DesiredWeight: 100 }, { VariantName: 'AllTraffic-canary', DesiredWeight: 0 }]]);
    // Within one poll of the alarm, not at the end of the bake.
    expect(clock).toBeLessThan(900 + 60 + 5 * 30);
    // The stable fleet kept its two instances; no promotion config was ever made.
    expect(sm.variants.get('AllTraffic')!.desired).toBe(2);
    expect(sagemaker.commandCalls(CreateEndpointConfigCommand)).toHaveLength(1);
  });

  test('an alarm during promotion (SageMaker undoes the swap) ends on the old model', async () => {
    const { state, phases } = await run((s) => {
      if (s.phase === 'PROMOTING') sm.alarms.set('stable-latency', 'ALARM');
    });
    expectRolledBack(state);
    expect(state.reason).toBe('alarm stable-latency fired during promotion');
    expect(phases).toEqual(['PROVISIONING', 'BAKING', 'SHIFTING', 'BAKING', 'PROMOTING', 'ROLLBACK', 'ROLLED_BACK']);
    // The promotion config is cleaned up with the canary's.
    expect([...sm.configs.keys()].sort()).toEqual(['cfn-config-new', 'cfn-config-old']);
  });

  test('a promotion that fails in SageMaker (no alarm) is still a rollback', async () => {
    const { state } = await run((s) => {
      if (s.phase === 'BAKING' && s.stepIndex === 1) sm.failNextUpdate = 'The primary container for production variant AllTraffic did not pass the ping health check.';
    });
    expect(state.phase).toBe('ROLLED_BACK');
    expect(state.reason).toMatch(/^promotion did not complete: endpoint is InService on digits-prod-rollout-\d+-c \(The primary container/);
    expect(sm.variants.get('AllTraffic')!.model).toBe('digits-v1');
  });

  test('a weight update failing midway rolls back with the error in the reason', async () => {
    let failed = false;
    const { state } = await run((s) => {
      if (s.phase === 'BAKING' && !failed) {
        failed = true;
        sm.failNextWeights = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
    });
    expectRolledBack(state);
    expect(state.reason).toBe('BAKING failed: ThrottlingException: Rate exceeded');
  });

  test('a canary that never comes into service is rolled back with SageMaker\'s reason', async () => {
    sm.failNextUpdate = 'The primary container for production variant AllTraffic-canary did not pass the ping health check.';
    const { state } = await run();
    expect(state.phase).toBe('ROLLED_BACK');
    expect(state.reason).toMatch(/the canary variant did not come into service.*did not pass the ping health check/);
  });

  test('a rollback that keeps failing stops after a bounded number of attempts and says so', async () => {
    sagemaker.on(UpdateEndpointCommand, { EndpointConfigName: 'cfn-config-old' }).rejects(Object.assign(new Error('Access denied'), { name: 'AccessDeniedException' }));
    const { state } = await run((s, t) => {
      if (s.phase === 'BAKING' && t > 120) sm.alarms.set('canary-latency', 'ALARM');
    });
    expect(state.phase).toBe('ROLLBACK_FAILED');
    expect(state.rollbackAttempts).toBe(MAX_ROLLBACK_ATTEMPTS);
    expect(state.reason).toMatch(/alarm canary-latency fired.*rolling back failed 5 times, last: AccessDeniedException: Access denied/);
    // Traffic did go back to the stable variant before the config restore failed.
    expect(sm.variants.get('AllTraffic-canary')!.weight).toBe(0);
  });
});

describe('rollout controller: the deadline and a failing controller', () => {
  test('a tick past the deadline rolls back whatever phase it is in, and the rollback runs to the end', async () => {
    // The 5% step bakes an hour; the deadline is 20 minutes.
    const { state, phases, clock } = await run(undefined, { ...INPUT, deadlineSeconds: 1200 });
    expect(state.phase).toBe('ROLLED_BACK');
    expect(state.reason).toBe('the rollout passed its deadline of 1200 s in phase BAKING');
    expect(phases).toEqual(['PROVISIONING', 'BAKING', 'ROLLBACK', 'ROLLED_BACK']);
    expect(state.startedAt).toBe(T0.toISOString());
    expect(weightCalls()).toEqual([[{ VariantName: 'AllTraffic', DesiredWeight: 100 }, { VariantName: 'AllTraffic-canary', DesiredWeight: 0 }]]);
    expect(sm.configName).toBe('cfn-config-old');
    expect([...sm.variants.keys()]).toEqual(['AllTraffic']);
    expect(sm.scaleInSuspended).toBe(false);
    // Within one poll of the deadline, and well inside the execution's own timeout.
    expect(clock).toBeLessThan(1200 + 60 + 5 * 30);
  });

  test('the deadline does not cut short a rollout that finishes in time', async () => {
    const { state } = await run(undefined, { ...INPUT, deadlineSeconds: 7200 });
    expect(state.phase).toBe('DONE');
  });

  test('after the state machine caught a failed task (phase forced to ROLLBACK), the next tick rolls back', async () => {
    let state: ControllerState = { ...INPUT, phase: 'START', stepIndex: 0, waitSeconds: 0 };
    for (let clock = 0; state.phase !== 'BAKING'; clock += state.waitSeconds) state = await tick(state, new Date(T0.getTime() + clock * 1000));
    // What RollBackAfterFailure hands Tick after a Lambda timeout.
    state = { ...state, phase: 'ROLLBACK', controllerFailures: 1, error: { Error: 'Sandbox.Timedout', Cause: 'Task timed out after 60.00 seconds' } };
    for (let i = 0; i < 20 && !TERMINAL_PHASES.includes(state.phase); i++) state = await tick(state, new Date(T0.getTime() + 2000 * 1000 + i * 30_000));
    expect(state.phase).toBe('ROLLED_BACK');
    expect(state.reason).toMatch(/^the controller failed \(1\): Sandbox.Timedout: Task timed out/);
    expect(state.error).toBeUndefined();
    expect(sm.configName).toBe('cfn-config-old');
    expect([...sm.variants.keys()]).toEqual(['AllTraffic']);
  });
});

describe('rollout controller: shadow first', () => {
  const withShadow = { ...INPUT, shadow: { percent: 20, durationSeconds: 7200 } };

  test('the new model shadows 20% of requests for the whole duration, then becomes the canary', async () => {
    let shadowSeen: [string, LiveVariant][] = [];
    const { state, phases, clock } = await run((s) => {
      if (s.phase === 'SHADOWING') shadowSeen = [...sm.shadows];
    }, withShadow);
    expect(state.phase).toBe('DONE');
    expect(phases).toEqual(['SHADOW_PROVISIONING', 'SHADOWING', 'PROVISIONING', 'BAKING', 'SHIFTING', 'BAKING', 'PROMOTING', 'DONE']);
    const shadowConfig = sagemaker.commandCalls(CreateEndpointConfigCommand)[0].args[0].input;
    expect(shadowConfig.EndpointConfigName).toMatch(/-s$/);
    expect(shadowConfig.ProductionVariants!.map((v) => [v.VariantName, v.ModelName, v.InitialVariantWeight])).toEqual([['AllTraffic', 'digits-v1', 1]]);
    // Sampling = shadow weight / production weight.
    expect(shadowConfig.ShadowProductionVariants!.map((v) => [v.VariantName, v.ModelName, v.InitialVariantWeight, v.InitialInstanceCount])).toEqual([['AllTraffic-canary', 'digits-v2', 0.2, 1]]);
    expect(shadowSeen).toEqual([['AllTraffic-canary', { model: 'digits-v2', desired: 1, weight: 0.2 }]]);
    expect(clock).toBeGreaterThanOrEqual(7200 + 3600 + 600);
    // Shadow and canary configs are cleaned up.
    expect([...sm.configs.keys()].filter((n) => /-[sc]$/.test(n))).toEqual([]);
  });

  test('an alarm on the shadow rolls back before any user was served by the new model', async () => {
    const { state } = await run((s, t) => {
      if (s.phase === 'SHADOWING' && t > 600) sm.alarms.set('canary-latency', 'ALARM');
    }, withShadow);
    expect(state.phase).toBe('ROLLED_BACK');
    expect(state.reason).toBe('alarm canary-latency fired while the new model ran as a shadow (no user saw its answers)');
    // The canary was never a production variant: no weights to move, only the config to restore.
    expect(weightCalls()).toEqual([]);
    expect(sm.configName).toBe('cfn-config-old');
    expect(sm.shadows.size).toBe(0);
  });
});

describe('rollout controller: a second deploy while one is running', () => {
  test('the controller refuses an endpoint that already has a canary, and changes nothing', async () => {
    sm.variants.set('AllTraffic-canary', { model: 'digits-v2', desired: 1, weight: 5 });
    const { state } = await run();
    expect(state.phase).toBe('REFUSED');
    expect(state.reason).toMatch(/another rollout or update is in progress/);
    expect(sagemaker.commandCalls(UpdateEndpointCommand)).toHaveLength(0);
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(0);
    expect(sagemaker.commandCalls(CreateEndpointConfigCommand)).toHaveLength(0);
    expect(autoscaling.commandCalls(RegisterScalableTargetCommand)).toHaveLength(0);
  });

  test('an endpoint an earlier run of this rollout left mid-canary is rolled back, not refused forever', async () => {
    const leftover = 'digits-prod-rollout-20261129000000-c';
    sm.configs.set(leftover, { variants: [{ ...configVariant('digits-v1'), InitialVariantWeight: 95 }, { ...configVariant('digits-v2'), VariantName: 'AllTraffic-canary', InitialInstanceCount: 1, InitialVariantWeight: 5 }], kms: 'arn:aws:kms:eu-west-1:123456789012:key/k' });
    sm.configName = leftover;
    sm.variants = new Map([['AllTraffic', { model: 'digits-v1', desired: 3, weight: 95 }], ['AllTraffic-canary', { model: 'digits-v2', desired: 1, weight: 5 }]]);
    sm.scaleInSuspended = true;
    const { state, phases } = await run(undefined, { ...INPUT, deadlineSeconds: 7200 });
    expect(phases).toEqual(['ROLLBACK', 'ROLLED_BACK']);
    expect(state.reason).toMatch(/^an earlier run of this rollout left the endpoint on its canary config digits-prod-rollout-20261129000000-c/);
    // Traffic first, then a one-variant config of the old model (the stack's original is not known any more).
    expect(weightCalls()).toEqual([[{ VariantName: 'AllTraffic', DesiredWeight: 100 }, { VariantName: 'AllTraffic-canary', DesiredWeight: 0 }]]);
    const restore = sagemaker.commandCalls(CreateEndpointConfigCommand)[0].args[0].input;
    expect(restore.EndpointConfigName).toBe('digits-prod-rollout-20261130080000-r');
    expect(restore.ProductionVariants).toEqual([{ ...configVariant('digits-v1'), InitialInstanceCount: 3, InitialVariantWeight: 1 }]);
    expect(sm.configName).toBe('digits-prod-rollout-20261130080000-r');
    expect([...sm.variants]).toEqual([['AllTraffic', { model: 'digits-v1', desired: 3, weight: 1 }]]);
    expect(sm.scaleInSuspended).toBe(false);
    expect(sm.configs.has(leftover)).toBe(false);
  });

  test('the controller refuses an endpoint that is updating', async () => {
    sm.status = 'Updating';
    expect((await run()).state.phase).toBe('REFUSED');
  });

  const event = (RequestType: 'Create' | 'Update' | 'Delete', Data?: Record<string, string>) => ({
    RequestType,
    PhysicalResourceId: 'rollout-digits-prod',
    ResourceProperties: { StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:rollout', Rollout: JSON.stringify(INPUT) },
    Data,
  });

  // During a stack rollback CloudFormation sends the custom resource an Update whose ResourceProperties are
  // the previous ones (AWS CloudFormation User Guide, custom resources, request types); a FAILED answer there
  // leaves the stack in UPDATE_ROLLBACK_FAILED (continue-update-rollback needed).
  const RUNNING = { executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:rollout:1', stateMachineArn: 'arn', name: '1', status: 'RUNNING' as const, startDate: T0 };
  /** The running execution as far as it got: mid-canary at 5%, as its last Tick returned it. */
  function midCanaryHistory() {
    const last: ControllerState = { ...INPUT, waitHandleUrl: 'https://wait.example/new', phase: 'BAKING', stepIndex: 0, waitSeconds: 60, rolloutId: '20261130080000', originalConfigName: 'cfn-config-old', canaryConfigName: 'digits-prod-rollout-20261130080000-c', scaleInSuspended: true, startedAt: T0.toISOString() };
    return {
      events: [
        { id: 9, timestamp: T0, type: 'WaitStateEntered' as const, stateEnteredEventDetails: { name: 'Wait', input: JSON.stringify(last) } },
        { id: 8, timestamp: T0, type: 'ChoiceStateExited' as const, stateExitedEventDetails: { name: 'Route', output: JSON.stringify(last) } },
      ],
    };
  }
  const rollbackEvent = () => ({ ...event('Update'), ResourceProperties: { ...event('Update').ResourceProperties, Rollout: JSON.stringify({ ...INPUT, targetEndpointConfigName: 'cfn-config-old', waitHandleUrl: 'https://wait.example/old' }) } });

  test('an Update while an execution runs (a stack rollback) stops it, rolls back from its last state, and succeeds', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [RUNNING] });
    sfn.on(GetExecutionHistoryCommand).resolves(midCanaryHistory());
    sfn.on(StopExecutionCommand).resolves({ stopDate: T0 });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:rollback', startDate: T0 });

    const out = await onEvent(rollbackEvent());

    expect(out).toEqual({ PhysicalResourceId: 'rollout-digits-prod', Data: { Outcome: 'ROLLING_BACK_RUNNING', StoppedExecutionArns: RUNNING.executionArn, ExecutionArn: 'arn:exec:rollback' } });
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0].args[0].input).toMatchObject({ executionArn: RUNNING.executionArn, reverseOrder: true, includeExecutionData: true });
    expect(sfn.commandCalls(StopExecutionCommand)[0].args[0].input).toMatchObject({ executionArn: RUNNING.executionArn, error: 'SupersededByCloudFormation' });
    const started = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!) as ControllerState;
    // It goes on from where the stopped one was (its configs and scale-in hold), in ROLLBACK, and reports to
    // the wait condition of the properties CloudFormation sent now.
    expect(started).toMatchObject({ phase: 'ROLLBACK', originalConfigName: 'cfn-config-old', canaryConfigName: 'digits-prod-rollout-20261130080000-c', scaleInSuspended: true, waitHandleUrl: 'https://wait.example/old', rollbackAttempts: 0 });
    expect(started.reason).toMatch(/^CloudFormation sent Update while rollout execution .*:execution:rollout:1 was running/);
  });

  test('...and that rollback execution puts the endpoint back on the old model', async () => {
    // The endpoint as the stopped execution left it: 95/5 on its canary config.
    const canary = 'digits-prod-rollout-20261130080000-c';
    sm.configs.set(canary, { variants: [{ ...configVariant('digits-v1'), InitialVariantWeight: 95 }, { ...configVariant('digits-v2'), VariantName: 'AllTraffic-canary', InitialInstanceCount: 1, InitialVariantWeight: 5 }] });
    sm.configName = canary;
    sm.variants = new Map([['AllTraffic', { model: 'digits-v1', desired: 2, weight: 95 }], ['AllTraffic-canary', { model: 'digits-v2', desired: 1, weight: 5 }]]);
    sm.scaleInSuspended = true;
    sfn.on(ListExecutionsCommand).resolves({ executions: [RUNNING] });
    sfn.on(GetExecutionHistoryCommand).resolves(midCanaryHistory());
    sfn.on(StopExecutionCommand).resolves({ stopDate: T0 });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:rollback', startDate: T0 });
    await onEvent(rollbackEvent());
    let state = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!) as ControllerState;
    for (let i = 0; i < 50 && !TERMINAL_PHASES.includes(state.phase); i++) state = await tick(state, new Date(T0.getTime() + 3600_000 + i * 30_000));
    expect(state.phase).toBe('ROLLED_BACK');
    expect(sm.configName).toBe('cfn-config-old');
    expect([...sm.variants]).toEqual([['AllTraffic', { model: 'digits-v1', desired: 2, weight: 1 }]]);
    expect(sm.scaleInSuspended).toBe(false);
  });

  test('otherwise it starts one execution with the rollout as input', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:2', startDate: T0 });
    expect(await onEvent(event('Update'))).toEqual({ PhysicalResourceId: 'rollout-digits-prod', Data: { ExecutionArn: 'arn:exec:2' } });
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!)).toEqual({ ...INPUT, phase: 'START', stepIndex: 0, waitSeconds: 0 });
  });

  test('the first deploy (no endpoint yet) signals the wait condition at once; deletes start nothing', async () => {
    const fetchMock = jest.spyOn(global, 'fetch').mockResolvedValue(new Response(null, { status: 200 }));
    sagemaker.on(DescribeEndpointCommand).rejects(Object.assign(new Error('Could not find endpoint "digits-prod".'), { name: 'ValidationException' }));
    const withHandle = { ...event('Create'), ResourceProperties: { ...event('Create').ResourceProperties, Rollout: JSON.stringify({ ...INPUT, waitHandleUrl: 'https://wait.example/handle' }) } };
    expect(await onEvent(withHandle)).toEqual({ PhysicalResourceId: 'rollout-digits-prod', Data: { Outcome: 'NO_ENDPOINT_YET' } });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(fetchMock.mock.calls[0][0]).toBe('https://wait.example/handle');
    expect(JSON.parse(fetchMock.mock.calls[0][1]!.body as string)).toMatchObject({ Status: 'SUCCESS', UniqueId: 'create' });
    expect(await onEvent(event('Delete'))).toEqual({ PhysicalResourceId: 'rollout-digits-prod', Data: {} });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('the custom resource answers CloudFormation SUCCESS when it rolled back a running execution (no UPDATE_ROLLBACK_FAILED)', async () => {
    const fetchMock = jest.spyOn(global, 'fetch').mockResolvedValue(new Response(null, { status: 200 }));
    sfn.on(ListExecutionsCommand).resolves({ executions: [RUNNING] });
    sfn.on(GetExecutionHistoryCommand).resolves(midCanaryHistory());
    sfn.on(StopExecutionCommand).resolves({ stopDate: T0 });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:rollback', startDate: T0 });
    await trigger({ ...rollbackEvent(), ResponseURL: 'https://cfn.example/response', StackId: 'stack', RequestId: 'req', LogicalResourceId: 'Trigger' });
    expect(fetchMock.mock.calls[0][0]).toBe('https://cfn.example/response');
    expect(JSON.parse(fetchMock.mock.calls[0][1]!.body as string)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'rollout-digits-prod', StackId: 'stack', RequestId: 'req', LogicalResourceId: 'Trigger' });
  });

  test('a rollback handed over before the first tick recorded the original config still restores the old model', async () => {
    // The stopped execution's last recorded state was START, but its tick had already put the canary in.
    const canary = 'digits-prod-rollout-20261130080000-c';
    sm.configs.set(canary, { variants: [{ ...configVariant('digits-v1'), InitialVariantWeight: 95 }, { ...configVariant('digits-v2'), VariantName: 'AllTraffic-canary', InitialInstanceCount: 1, InitialVariantWeight: 5 }] });
    sm.configName = canary;
    sm.variants = new Map([['AllTraffic', { model: 'digits-v1', desired: 2, weight: 95 }], ['AllTraffic-canary', { model: 'digits-v2', desired: 1, weight: 5 }]]);
    let state: ControllerState = { ...INPUT, phase: 'ROLLBACK', stepIndex: 0, waitSeconds: 0, reason: 'CloudFormation sent Update while ...' };
    for (let i = 0; i < 50 && !TERMINAL_PHASES.includes(state.phase); i++) state = await tick(state, new Date(T0.getTime() + i * 30_000));
    expect(state.phase).toBe('ROLLED_BACK');
    expect([...sm.variants]).toEqual([['AllTraffic', { model: 'digits-v1', desired: 2, weight: 1 }]]);
    expect(sm.configName).toBe('digits-prod-rollout-20261130080000-r');
  });

  test('a running execution with no readable state is still stopped and rolled back from the rollout input', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [RUNNING] });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn.on(StopExecutionCommand).resolves({ stopDate: T0 });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:rollback', startDate: T0 });
    await onEvent(rollbackEvent());
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!)).toMatchObject({ phase: 'ROLLBACK', endpointName: 'digits-prod', targetEndpointConfigName: 'cfn-config-old' });
  });
});

describe('rollout controller: the stack waits for the outcome', () => {
  test('the last tick signals SUCCESS on promotion and FAILURE on rollback', async () => {
    const fetchMock = jest.spyOn(global, 'fetch').mockResolvedValue(new Response(null, { status: 200 }));
    const base = { ...INPUT, waitHandleUrl: 'https://wait.example/handle', stepIndex: 1, waitSeconds: 0, rolloutId: '20261130080000' };
    // A tick that finds nothing left to do, and one in a terminal phase passed through.
    sm.configName = 'cfn-config-new';
    sm.variants.get('AllTraffic')!.model = 'digits-v2';
    sm.configs.set('cfn-config-new', { variants: [configVariant('digits-v2')] });
    expect((await handler({ ...base, phase: 'START' })).phase).toBe('DONE');
    await handler({ ...base, phase: 'ROLLED_BACK', reason: 'alarm canary-errors fired during step 1 (5%)' });
    const bodies = fetchMock.mock.calls.map((c) => JSON.parse(c[1]!.body as string));
    expect(bodies.map((b) => b.Status)).toEqual(['SUCCESS', 'FAILURE']);
    expect(bodies[1].Reason).toBe('ROLLED_BACK: alarm canary-errors fired during step 1 (5%)');
  });

  test('ControllerFailed signals the wait condition FAILURE with the last error, so the stack does not hang to its timeout', async () => {
    const fetchMock = jest.spyOn(global, 'fetch').mockResolvedValue(new Response(null, { status: 200 }));
    const out = await handler({ ...INPUT, waitHandleUrl: 'https://wait.example/handle', phase: 'CONTROLLER_FAILED', stepIndex: 0, waitSeconds: 0, rolloutId: '20261130080000', controllerFailures: 3, error: { Error: 'Sandbox.Timedout', Cause: 'Task timed out after 60.00 seconds' } });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(fetchMock.mock.calls[0][0]).toBe('https://wait.example/handle');
    const body = JSON.parse(fetchMock.mock.calls[0][1]!.body as string);
    expect(body).toMatchObject({ Status: 'FAILURE', UniqueId: '20261130080000' });
    expect(body.Reason).toMatch(/^CONTROLLER_FAILED: the rollout controller failed 3 times; last: Sandbox.Timedout: Task timed out after 60.00 seconds\. The endpoint may be mid-rollout/);
    expect(out.reason).toMatch(/failed 3 times/);
    // It only signals: no call to SageMaker.
    expect(sagemaker.calls()).toHaveLength(0);
  });

  test('a tick that is not the last signals nothing', async () => {
    const fetchMock = jest.spyOn(global, 'fetch');
    const out = await handler({ ...INPUT, waitHandleUrl: 'https://wait.example/handle', phase: 'START', stepIndex: 0, waitSeconds: 0 });
    expect(out.phase).toBe('PROVISIONING');
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe('rollout controller: alarms are read from CloudWatch, composite ones included', () => {
  test('every check asks for both alarm types by name', async () => {
    await run();
    const calls = cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
    expect(calls.length).toBeGreaterThan(0);
    for (const input of calls) expect(input.AlarmTypes).toEqual(['CompositeAlarm', 'MetricAlarm']);
  });

  test('a composite promotion alarm in ALARM rolls the promotion back', async () => {
    // A user's alarm can be composite (e.g. errors AND latency); DescribeAlarms omits it unless asked.
    sm.compositeAlarms.add('stable-errors');
    const { state } = await run((s) => {
      if (s.phase === 'PROMOTING') sm.alarms.set('stable-errors', 'ALARM');
    });
    expect(state.phase).toBe('ROLLED_BACK');
    expect(state.reason).toBe('alarm stable-errors fired during promotion');
    expect(sm.variants.get('AllTraffic')!.model).toBe('digits-v1');
  });

  test('an alarm CloudWatch does not know cannot be verified: the rollout rolls back instead of going on blind', async () => {
    const { state } = await run(undefined, { ...INPUT, canaryAlarmNames: ['canary-errors', 'deleted-alarm'] });
    expect(state.phase).toBe('ROLLED_BACK');
    expect(state.reason).toMatch(/^alarm deleted-alarm \(not found in CloudWatch: its state cannot be verified\) fired/);
  });
});

describe('rollout controller: configs of earlier rollouts', () => {
  test('the promoted (-p) config an earlier rollout left in use is deleted when the next rollout starts; the stack\'s are kept', async () => {
    // After rollout 1 promoted, CloudFormation moved the endpoint to its own config; -p stayed behind.
    sm.configs.set('digits-prod-rollout-20261129000000-p', { variants: [configVariant('digits-v1')] });
    sm.configs.set('digits-prod-rollout-20261128000000-s', { variants: [configVariant('digits-v0')] });
    sm.configs.set('digits-prod-rollout-notes', { variants: [configVariant('digits-v0')] });
    const { state } = await run();
    expect(state.phase).toBe('DONE');
    expect(sm.configs.has('digits-prod-rollout-20261129000000-p')).toBe(false);
    expect(sm.configs.has('digits-prod-rollout-20261128000000-s')).toBe(false);
    // Not one of the controller's names, the stack's configs, and this rollout's promoted config (in use) stay.
    expect(sm.configs.has('digits-prod-rollout-notes')).toBe(true);
    expect(sm.configs.has('cfn-config-old')).toBe(true);
    expect(sm.configs.has('cfn-config-new')).toBe(true);
    expect(sm.configs.has(state.promotedConfigName!)).toBe(true);
    // ...and the run after that deletes this one's promoted config, once the endpoint has moved on.
    sm.configName = 'cfn-config-new';
    sm.configs.set('cfn-config-newer', { variants: [configVariant('digits-v3')] });
    sagemaker.resetHistory();
    await run(undefined, { ...INPUT, targetEndpointConfigName: 'cfn-config-newer' });
    const deleted = sagemaker.commandCalls(DeleteEndpointConfigCommand).map((c) => c.args[0].input.EndpointConfigName);
    expect(deleted[0]).toBe(state.promotedConfigName);
    expect(deleted).not.toContain('cfn-config-new');
  });
});

describe('rollout controller: sizing', () => {
  test('the canary gets its share of the stable fleet, at least one instance', () => {
    expect([canaryInstanceCount(2, 5), canaryInstanceCount(2, 50), canaryInstanceCount(2, 100), canaryInstanceCount(20, 5), canaryInstanceCount(7, 30)]).toEqual([1, 1, 2, 1, 3]);
  });
});

describe('rollout state machine definition', () => {
  const ROLLBACK_S = rollbackWorstCaseSeconds(1200, 60);
  const definition = rolloutStateMachineDefinition('arn:aws:lambda:eu-west-1:123456789012:function:rollout-controller', 7200, ROLLBACK_S);

  test('the rollback after the deadline is sized for its worst case: two fleets (an update in flight, then the original config) and retries', () => {
    // 60 s late tick + 2 x 1200 s fleets + 30 s weights + 5 x 30 s rollback retries + 3 x (60 s timeout + 126 s Lambda retries).
    expect(ROLLBACK_S).toBe(60 + 2400 + 30 + 150 + 3 * (60 + 126));
    expect(rollbackWorstCaseSeconds(1200, 600)).toBe(ROLLBACK_S - 60 + 600);
  });

  test('is valid Amazon States Language', () => {
    // The validator fills in defaults on what it is given.
    const result = validateAsl(JSON.parse(JSON.stringify(definition)));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  test('a broken definition is caught by the validator (the check can fail)', () => {
    const broken = JSON.parse(JSON.stringify(definition));
    broken.States.Route.Default = 'Nowhere';
    expect(validateAsl(broken).isValid).toBe(false);
  });

  test('every terminal phase of the controller ends the execution; the rest loop back through Wait', () => {
    const states = definition.States as Record<string, any>;
    const routed = states.Route.Choices.map((c: { StringEquals: string }) => c.StringEquals).sort();
    expect(routed).toEqual([...TERMINAL_PHASES].sort());
    expect(states.Route.Default).toBe('Wait');
    expect(states.Wait).toEqual({ Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Tick' });
    expect(states[states.Route.Choices.find((c: { StringEquals: string }) => c.StringEquals === 'DONE').Next].Type).toBe('Succeed');
    // The controller's deadline is 7200 s; the execution outlives it so the deadline's rollback can run.
    expect(definition.TimeoutSeconds).toBe(7200 + ROLLBACK_S);
  });

  test('a failed task goes to a bounded rollback path that loops back to Tick, not straight to a Fail state', () => {
    const states = definition.States as Record<string, any>;
    expect(states.Tick.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'CountControllerFailure' }]);
    expect(states.RollBackAfterFailure).toEqual({ Type: 'Pass', Result: 'ROLLBACK', ResultPath: '$.phase', Next: 'Tick' });
    // Follow the path as Step Functions would, for successive failures of the same execution.
    const afterFailure = (input: Record<string, unknown>): { end: string; output: Record<string, unknown> } => {
      const count = states.CountControllerFailure;
      const rule = count.Choices.find((c: any) => ('IsPresent' in c ? (c.Variable === '$.controllerFailures' && (input.controllerFailures !== undefined) === c.IsPresent) : input.controllerFailures === c.NumericEquals));
      const next = rule ? rule.Next : count.Default;
      if (states[next].Type === 'Fail' || next === 'MarkControllerFailed') return { end: next, output: input };
      expect(states[next]).toMatchObject({ Type: 'Pass', ResultPath: '$.controllerFailures', Next: 'RollBackAfterFailure' });
      return { end: states.RollBackAfterFailure.Next, output: { ...input, controllerFailures: states[next].Result, phase: states.RollBackAfterFailure.Result } };
    };
    let input: Record<string, unknown> = { phase: 'BAKING' };
    for (let n = 1; n <= MAX_CONTROLLER_FAILURES; n++) {
      const { end, output } = afterFailure(input);
      expect(end).toBe('Tick');
      expect(output).toMatchObject({ phase: 'ROLLBACK', controllerFailures: n });
      input = output;
    }
    expect(MAX_CONTROLLER_FAILURES).toBe(3);
    // The last failure does not end the execution silently: it marks the phase and signals the stack first.
    expect(afterFailure(input).end).toBe('MarkControllerFailed');
    expect(states.MarkControllerFailed).toEqual({ Type: 'Pass', Result: 'CONTROLLER_FAILED', ResultPath: '$.phase', Next: 'SignalControllerFailed' });
    expect(states.SignalControllerFailed).toMatchObject({ Type: 'Task', Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:rollout-controller', Next: 'ControllerFailed' });
    expect(states.SignalControllerFailed.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.signalError', Next: 'ControllerFailed' }]);
    expect(states.ControllerFailed.Type).toBe('Fail');
    expect(validateAsl(JSON.parse(JSON.stringify(definition))).errors).toEqual([]);
  });
});
