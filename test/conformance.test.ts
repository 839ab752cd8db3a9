/**
 * One conformance table: the same spec cases through every backend that exists. They must agree on the
 * image, the model (signature handed to the server), the server's environment, replica bounds, identity
 * labels and rollout weights.
 */
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  Accelerator,
  Duration,
  ModelServingProps,
  RolloutPolicy,
  ScalingTarget,
  ServingImage,
} from '../lib';
import * as aws from '../constructs/aws';
import * as k8s from '../constructs/k8s';
import { Manifest, findOne, synthChart } from './support/k8s-helpers';
import { model } from './k8s/fixtures';

const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:2.0.0';

interface Case {
  readonly name: string;
  readonly spec: ModelServingProps;
  readonly awsInstanceType: string;
  readonly rollout: RolloutPolicy;
}

const cases: Case[] = [
  {
    name: 'CPU, default server settings',
    // Two replicas: SageMaker sizes a canary at most half the fleet in whole instances.
    spec: { model, metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' }, image: ServingImage.fromRegistry(IMAGE), scaling: { minReplicas: 2, maxReplicas: 4 } },
    awsInstanceType: 'ml.c5.xlarge',
    rollout: RolloutPolicy.canary({ trafficPercent: 50 }),
  },
  {
    name: 'GPU, tuned server, explicit scaling',
    spec: {
      model,
      metadata: { name: 'digits-gpu', version: '2.1.0', owner: 'vision', framework: 'pytorch-2.4', trainedOn: '2026-09-30' },
      image: ServingImage.fromRegistry(IMAGE),
      accelerator: Accelerator.NVIDIA_L4,
      scaling: { minReplicas: 4, maxReplicas: 8, targets: [ScalingTarget.gpuUtilization(60)], scaleInCooldown: Duration.minutes(10) },
      server: { maxBatchSize: 32, maxQueueDelayMs: 4, warmupRuns: 10 },
    },
    awsInstanceType: 'ml.g6.xlarge',
    rollout: RolloutPolicy.linear({ stepPercent: 25, interval: Duration.minutes(15) }),
  },
];

function viaAws(c: Case) {
  const app = new cdk.App({ builtinCloudFormationValidation: false });
  const stack = new cdk.Stack(app, 'Conformance', { env: { account: '123456789012', region: 'eu-west-1' } });
  const endpoint = new aws.ModelEndpoint(stack, 'Endpoint', { ...c.spec, instanceType: c.awsInstanceType });
  new aws.CanaryRollout(stack, 'Rollout', { endpoint, policy: c.rollout });
  const t = Template.fromStack(stack);
  const one = <T>(type: string): T => Object.values(t.findResources(type))[0] as T;
  const modelRes = one<{ Properties: { PrimaryContainer: { Image: string; Environment: Record<string, string> }; Tags: { Key: string; Value: string }[] } }>('AWS::SageMaker::Model');
  const target = one<{ Properties: { MinCapacity: number; MaxCapacity: number } }>('AWS::ApplicationAutoScaling::ScalableTarget');
  const endpointRes = one<{ Properties: { DeploymentConfig: { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { CanarySize?: { Type: string; Value: number }; LinearStepSize?: { Type: string; Value: number } } } } } }>('AWS::SageMaker::Endpoint');
  return {
    image: modelRes.Properties.PrimaryContainer.Image,
    env: modelRes.Properties.PrimaryContainer.Environment,
    min: target.Properties.MinCapacity,
    max: target.Properties.MaxCapacity,
    identity: Object.fromEntries(modelRes.Properties.Tags.filter((x) => x.Key.startsWith('model-')).map((x) => [x.Key.slice('model-'.length), x.Value])),
    firstCanaryPercent: (() => {
      const routing = endpointRes.Properties.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration;
      const size = routing.CanarySize ?? routing.LinearStepSize;
      expect(size?.Type).toBe('CAPACITY_PERCENT');
      return size?.Value;
    })(),
  };
}

function viaK8s(c: Case) {
  const docs = synthChart((chart) => {
    const endpoint = new k8s.ModelEndpoint(chart, 'Endpoint', {
      ...c.spec,
      namespace: 'ml-serving',
      modelDelivery: k8s.ModelDelivery.bakedIntoImage(),
      // GPU utilization needs KEDA (the built-in HPA sees CPU and memory only).
      keda: c.spec.accelerator ? { prometheusAddress: 'http://prometheus-operated.monitoring:9090' } : undefined,
    });
    new k8s.CanaryRollout(chart, 'Rollout', { endpoint, policy: c.rollout, prometheusAddress: 'http://prometheus-operated.monitoring:9090' });
  });
  const rollout = findOne(docs, 'Rollout');
  const container = rollout.spec.template.spec.containers.find((x: Manifest) => x.name === 'server');
  const scaler = docs.find((d) => d.kind === 'HorizontalPodAutoscaler' || d.kind === 'ScaledObject')!;
  const labels = rollout.metadata.labels as Record<string, string>;
  const weights = (rollout.spec.strategy.canary.steps as Manifest[]).filter((s) => s.setWeight !== undefined).map((s) => s.setWeight as number);
  return {
    image: container.image as string,
    env: Object.fromEntries((container.env as { name: string; value: string }[]).filter((e) => e.name.startsWith('MODEL_SERVER_')).map((e) => [e.name, e.value])),
    min: (scaler.spec.minReplicas ?? scaler.spec.minReplicaCount) as number,
    max: (scaler.spec.maxReplicas ?? scaler.spec.maxReplicaCount) as number,
    identity: Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('model-serving.dev/') && !k.endsWith('/managed-by') && !k.endsWith('/component')).map(([k, v]) => [k.slice('model-serving.dev/'.length), v])),
    weights,
  };
}

describe.each(cases)('conformance: $name', (c) => {
  const a = viaAws(c);
  const k = viaK8s(c);

  test('same image', () => {
    expect(a.image).toBe(IMAGE);
    expect(k.image).toBe(IMAGE);
  });

  test('same server environment, model signature included', () => {
    // The k8s backend may add platform-only variables; every variable the spec produces must match.
    for (const [name, value] of Object.entries(a.env)) expect(k.env[name]).toBe(value);
    expect(JSON.parse(a.env.MODEL_SERVER_MODEL_SIGNATURE)).toEqual(model.signature);
  });

  test('same replica bounds', () => {
    expect([a.min, a.max]).toEqual([k.min, k.max]);
    expect(a.min).toBe(c.spec.scaling?.minReplicas);
  });

  test('same identity on resources', () => {
    expect(a.identity).toMatchObject({ name: c.spec.metadata.name, version: c.spec.metadata.version, owner: c.spec.metadata.owner });
    for (const [key, value] of Object.entries(a.identity)) expect(k.identity[key]).toBe(value);
  });

  test('same rollout weights', () => {
    expect(k.weights).toEqual(c.rollout.steps.map((s) => s.trafficPercent));
    expect(a.firstCanaryPercent).toBe(c.rollout.steps[0].trafficPercent);
  });
});
