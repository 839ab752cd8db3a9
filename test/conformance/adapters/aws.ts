/** SageMaker: renders a case with the AWS constructs and reads the CloudFormation template back. */
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Accelerator, ModelServingProps } from '../../../lib';
import { BudgetGuard, CanaryRollout, ModelEndpoint, SAGEMAKER_CAPABILITIES, ec2FamiliesFor } from '../../../constructs/aws';
import { CommonView, ConformanceAdapter, ConformanceCase, targetKey } from '../harness';
import { throwReportedProblems } from '../../support/expect-problems';

/** The instance type a case runs on: what SageMaker needs besides the spec. */
function instanceTypeFor(accelerator: Accelerator | undefined): string {
  if (!accelerator) return 'ml.c5.xlarge';
  return `ml.${ec2FamiliesFor(accelerator)[0]}.xlarge`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Resource = { Properties: Record<string, any> };

function render(c: ConformanceCase, spec: ModelServingProps): CommonView {
  const app = new cdk.App({ builtinCloudFormationValidation: false });
  // us-east-1 offers every GPU family the cases use (the region check, EC2_GPU_FAMILY_REGIONS, refuses g6 in eu-west-1).
  const stack = new cdk.Stack(app, 'Conformance', { env: { account: '123456789012', region: 'us-east-1' } });
  const endpoint = new ModelEndpoint(stack, 'Endpoint', { ...spec, instanceType: instanceTypeFor(spec.accelerator), endpointName: 'conformance' });
  if (c.rollout) new CanaryRollout(stack, 'Rollout', { endpoint, policy: c.rollout });
  if (c.budget) new BudgetGuard(stack, 'Budget', { endpoints: [endpoint], budget: c.budget });

  throwReportedProblems(stack);
  const t = Template.fromStack(stack);
  const all = (type: string) => Object.values(t.findResources(type)) as Resource[];
  const one = (type: string) => all(type)[0];
  const container = one('AWS::SageMaker::Model').Properties.PrimaryContainer;
  const env: Record<string, string> = container.Environment ?? {};
  const target = one('AWS::ApplicationAutoScaling::ScalableTarget').Properties;
  const tracking = one('AWS::ApplicationAutoScaling::ScalingPolicy').Properties.TargetTrackingScalingPolicyConfiguration;
  let scaling: string;
  if (tracking.PredefinedMetricSpecification?.PredefinedMetricType === 'SageMakerVariantInvocationsPerInstance') {
    // SageMaker counts per minute.
    scaling = targetKey('INVOCATIONS_PER_REPLICA', tracking.TargetValue / 60);
  } else {
    // SageMaker sums utilization over the instance's cores or GPUs.
    const cpu = tracking.CustomizedMetricSpecification.MetricName === 'CPUUtilization';
    const units = cpu ? endpoint.instance!.vcpus! : endpoint.instance!.gpuCount ?? endpoint.serving.acceleratorCount;
    scaling = targetKey(cpu ? 'CPU_UTILIZATION' : 'GPU_UTILIZATION', tracking.TargetValue / units);
  }
  const source = container.ModelDataSource?.S3DataSource?.S3Uri ?? container.ModelDataUrl;

  const view: CommonView = {
    image: (container.Image as string).split('/').slice(1).join('/'),
    modelSignature: env.MODEL_SERVER_MODEL_SIGNATURE ? JSON.parse(env.MODEL_SERVER_MODEL_SIGNATURE) : undefined,
    // A local file becomes this construct's own S3 asset.
    modelSource: endpoint.node.tryFindChild('ModelData') ? 'local' : source,
    environment: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('MODEL_SERVER_'))),
    minReplicas: target.MinCapacity,
    maxReplicas: target.MaxCapacity,
    scalingTargets: [scaling],
    identity: Object.fromEntries((one('AWS::SageMaker::Model').Properties.Tags as { Key: string; Value: string }[])
      .filter((x) => x.Key.startsWith('model-')).map((x) => [x.Key.slice('model-'.length), x.Value])),
    guardrails: guardrailsOf(all('AWS::CloudWatch::Alarm')),
  };
  return { ...view, ...(c.rollout ? { rolloutWeights: weightsOf(one('AWS::SageMaker::Endpoint'), stack.resolve(one('Custom::ModelRollout')?.Properties.Rollout)) } : {}), ...(c.budget ? { budget: budgetOf(t) } : {}) };
}

function guardrailsOf(alarms: Resource[]): string[] {
  const errors = alarms.find((a) => a.Properties.Metrics)!.Properties;
  const latency = alarms.find((a) => a.Properties.MetricName === 'ModelLatency')!.Properties;
  return [
    `errors>${errors.Threshold}%`,
    `${latency.ExtendedStatistic}>${latency.Threshold / 1000}ms`,
    `window=${latency.Period}s`,
    `breaches=${latency.EvaluationPeriods}`,
  ];
}

/** Blue/green: from the traffic routing; exact weights: the steps the controller is given. */
function weightsOf(endpoint: Resource, controllerInput: unknown): number[] {
  const routing = endpoint.Properties.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration;
  if (routing.Type === 'ALL_AT_ONCE') {
    // The input is a JSON string with tokens (Fn::Join); the steps are plain numbers in its literal parts.
    const text = JSON.stringify(controllerInput).replace(/\\"/g, '"');
    const steps = /"steps":(\[[^\]]*\])/.exec(text)![1];
    return (JSON.parse(steps) as { percent: number }[]).map((s) => s.percent);
  }
  if (routing.Type === 'CANARY') return [routing.CanarySize.Value, 100];
  const step = routing.LinearStepSize.Value as number;
  const weights: number[] = [];
  for (let p = step; p < 100; p += step) weights.push(p);
  return [...weights, 100];
}

function budgetOf(t: Template): string[] {
  const budget = (Object.values(t.findResources('AWS::Budgets::Budget'))[0] as Resource).Properties;
  const notifyAt = (budget.NotificationsWithSubscribers as { Notification: { NotificationType: string; Threshold: number } }[])
    .filter((n) => n.Notification.NotificationType === 'ACTUAL').map((n) => n.Notification.Threshold);
  const fn = Object.values(t.findResources('AWS::Lambda::Function'))[0] as Resource | undefined;
  const action = fn ? fn.Properties.Environment.Variables.ACTION : 'NOTIFY';
  return [`limit=${budget.Budget.BudgetLimit.Amount}`, `notifyAt=${notifyAt.join(',')}`, `action=${action}`];
}

export const adapters: ConformanceAdapter[] = [
  { backend: SAGEMAKER_CAPABILITIES.backend, capabilities: SAGEMAKER_CAPABILITIES, registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', render },
];
