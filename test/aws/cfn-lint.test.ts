import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import { Accelerator, BudgetAction, CapacityType, Duration, ModelArtifact, RolloutPolicy, ScalingTarget, ServerSecret, ServingImage } from '../../lib';
import { BudgetGuard, CanaryRollout, GpuAmiType, GpuNodePool, ModelEndpoint, ModelEndpointProps, ModelGateway, SageMakerRolloutMode } from '../../constructs/aws';
import { buildAwsApp } from '../../examples/aws/main';
import { PLATFORM_AWS_STACK, buildAwsPlatform } from '../../examples/platform/aws';
import { PLATFORM, PLATFORM_SETTINGS } from '../../examples/platform/models';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';

/*
 * The receiver's own rules for every CloudFormation template this library synthesizes: each representative
 * stack (and the example app) is written to a temporary directory and checked with cfn-lint
 * (aws-cloudformation/cfn-lint, https://github.com/aws-cloudformation/cfn-lint: the resource schemas
 * CloudFormation publishes per region, plus its own rules). `.ci/run` installs it (`pip install cfn-lint`
 * or Debian's `cfn-lint`); without it this test fails rather than passing quietly.
 *
 * Zero errors. The only findings left out are listed in IGNORED, each with its reason.
 */

interface Finding {
  readonly Rule: { readonly Id: string; readonly Description: string };
  readonly Level: string;
  readonly Message: string;
  readonly Filename: string;
  readonly Location: { readonly Path?: readonly (string | number)[]; readonly Start: { readonly LineNumber: number } };
}

interface Ignored {
  readonly rule: string;
  readonly why: string;
  /** Matches the finding's message and, through the template, the resource type it is on. */
  readonly matches: (f: Finding, resourceType: string | undefined) => boolean;
}

const IGNORED: readonly Ignored[] = [
  {
    rule: 'E3002',
    why: 'cfn-lint 1.51\'s schema for AWS::ApplicationAutoScaling::ScalableTarget has no Tags (taggable: false), while aws-cdk-lib 2.276\'s L1 ' +
      'CfnScalableTarget, generated from the newer CloudFormation registry schema, has `tags` and implements ITaggableV2 (Application Auto Scaling ' +
      'has tagged scalable targets since 2023: TagResource / RegisterScalableTarget Tags). The model-name tag on the target is what the rollout ' +
      'controller\'s and the budget enforcer\'s RegisterScalableTarget grants are conditioned on (aws:ResourceTag/model-name). Only this one ' +
      'message on this one resource type is left out; the README lists it as unverified until cfn-lint\'s schema catches up.',
    matches: (f, type) => type === 'AWS::ApplicationAutoScaling::ScalableTarget' && /'Tags' was unexpected/.test(f.Message),
  },
  {
    rule: 'W3005',
    why: 'a warning, not an error: "dependency already enforced by a Ref/GetAtt". aws-cdk-lib adds explicit DependsOn (a role before the ' +
      'function that uses it, a topic before the budget that publishes to it) that a Ref also implies; CloudFormation accepts both.',
    matches: (f) => /dependency already enforced/.test(f.Message),
  },
];

function cfnLintAvailable(): string | undefined {
  const r = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0';
const ENV = { account: '123456789012', region: 'eu-west-1' };

function endpointProps(extra: Partial<ModelEndpointProps> = {}): ModelEndpointProps {
  return {
    model: ModelArtifact.fromFile(DEMO_MODEL_PATH),
    metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' },
    instanceType: 'ml.c5.xlarge',
    image: ServingImage.fromRegistry(ECR_IMAGE),
    endpointName: 'digits-prod',
    scaling: { minReplicas: 2, maxReplicas: 4 },
    ...extra,
  };
}

/** Each representative stack, named; returns the template file it was written to. */
const STACKS: Record<string, (outdir: string) => string> = {
  'default endpoint (bundled image)': (outdir) => synth(outdir, 'DefaultEndpoint', (stack) => {
    new ModelEndpoint(stack, 'Endpoint', { model: ModelArtifact.fromFile(DEMO_MODEL_PATH), metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' }, instanceType: 'ml.c5.xlarge' });
  }),
  // The Redis URL by reference: MODEL_SERVER_SECRET_REFS in the container environment and the role's GetSecretValue grant.
  'endpoint with a cache whose Redis URL is in Secrets Manager': (outdir) => synth(outdir, 'SecretEndpoint', (stack) => {
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'] });
    new ModelEndpoint(stack, 'Endpoint', endpointProps({
      networkIsolation: false, vpc,
      server: { cache: { redisUrl: ServerSecret.fromAwsSecretsManager('arn:aws:secretsmanager:eu-west-1:123456789012:secret:redis-url-AbCdEf', 'url') } },
    }));
  }),
  'exact-weight rollout with a shadow phase': (outdir) => synth(outdir, 'ExactWeight', (stack) => {
    const endpoint = new ModelEndpoint(stack, 'Endpoint', endpointProps());
    new CanaryRollout(stack, 'Rollout', {
      endpoint,
      mode: SageMakerRolloutMode.EXACT_WEIGHTS,
      policy: RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.minutes(30), shadowTrafficPercent: 20, shadowDuration: Duration.minutes(30) }),
    });
  }),
  'blue/green canary rollout, scaling on queue depth': (outdir) => synth(outdir, 'BlueGreen', (stack) => {
    const endpoint = new ModelEndpoint(stack, 'Endpoint', endpointProps({ scaling: { minReplicas: 20, maxReplicas: 40, targets: [ScalingTarget.concurrentRequestsPerReplica(8)] } }));
    new CanaryRollout(stack, 'Rollout', { endpoint, policy: RolloutPolicy.canary() });
  }),
  'budget guard scaling to the floor': (outdir) => synth(outdir, 'BudgetScale', (stack) => {
    const endpoint = new ModelEndpoint(stack, 'Endpoint', endpointProps());
    new BudgetGuard(stack, 'Budget', { endpoints: [endpoint], budget: { monthlyLimitUsd: 500, action: BudgetAction.SCALE_TO_FLOOR, emails: ['ml-oncall@example.com'] } });
  }),
  'budget guard deleting': (outdir) => synth(outdir, 'BudgetDelete', (stack) => {
    const a = new ModelEndpoint(stack, 'A', endpointProps({ endpointName: 'digits-a' }));
    const b = new ModelEndpoint(stack, 'B', endpointProps({ endpointName: 'digits-b', metadata: { name: 'digits-b', version: '2.0.0', owner: 'ml-platform' } }));
    new BudgetGuard(stack, 'Budget', { endpoints: [a, b], budget: { monthlyLimitUsd: 100, action: BudgetAction.DELETE } });
  }),
  'GPU node pool by cluster name (AL2023, spot)': (outdir) => synth(outdir, 'GpuByName', (stack) => {
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'] });
    new GpuNodePool(stack, 'Pool', { clusterName: 'inference', vpc, accelerator: Accelerator.NVIDIA_A10G, capacityType: CapacityType.SPOT, maxNodes: 4 });
  }),
  'GPU node pool on an imported cluster (Bottlerocket)': (outdir) => synth(outdir, 'GpuImported', (stack) => {
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'] });
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'imported', vpc });
    // T4 (g4dn): EC2 offers no g6 (L4) in eu-west-1, the region every template here is linted for (EC2_GPU_FAMILY_REGIONS).
    new GpuNodePool(stack, 'Pool', { cluster, accelerator: Accelerator.NVIDIA_T4, amiType: GpuAmiType.BOTTLEROCKET_X86_64_NVIDIA, minNodes: 1, desiredNodes: 1 });
  }),
  'model gateway (the seeds\' three routes, JWT, 100/min per API key, access logs, alarms)': (outdir) => synth(outdir, 'Gateway', (stack) => {
    const routes = ['cnn', 'fraud', 'sentiment'].map((name) => ({ endpoint: new ModelEndpoint(stack, name, endpointProps({ endpointName: `${name}-prod`, metadata: { name, version: '1.0.0', owner: 'ml-platform' } })) }));
    const gateway = new ModelGateway(stack, 'Gateway', {
      routes,
      jwt: { issuer: 'https://login.example.com/', audiences: ['https://models.example.com'], jwksUri: 'https://login.example.com/.well-known/jwks.json' },
      apiKeys: { requestsPerMinute: 100 },
      guardrails: { maxErrorRatePercent: 0.1, maxLatency: Duration.millis(100) },
    });
    gateway.addApiKey('TeamA');
  }),
  'the multi-model platform (examples/platform/aws.ts)': (outdir) => {
    const assembly = buildAwsPlatform(PLATFORM, PLATFORM_SETTINGS, { outdir: join(outdir, 'platform') }).synth();
    return join(assembly.directory, `${PLATFORM_AWS_STACK}.template.json`);
  },
  'the example app (examples/aws)': (outdir) => {
    const assembly = buildAwsApp(join(outdir, 'example')).synth();
    return join(assembly.directory, 'DigitsServing.template.json');
  },
};

function synth(outdir: string, name: string, build: (stack: cdk.Stack) => void): string {
  const app = new cdk.App({ outdir: join(outdir, name) });
  const stack = new cdk.Stack(app, name, { env: ENV });
  build(stack);
  const assembly = app.synth();
  return join(assembly.directory, `${name}.template.json`);
}

describe('cfn-lint on every synthesized CloudFormation template', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  let templates: Record<string, string>;
  let findings: Finding[];
  let version: string | undefined;

  // Two templates broken on purpose (the last two tests): linted in the same cfn-lint run as the real ones.
  const badGateway = join(outdir, 'bad-gateway.template.json');
  const bad = join(outdir, 'bad.template.json');

  beforeAll(() => {
    version = cfnLintAvailable();
    templates = Object.fromEntries(Object.entries(STACKS).map(([label, make]) => [label, make(outdir)]));
    writeBrokenTemplates();
    if (!version) return;
    // One process for all templates (cfn-lint's start-up, schema loading included, is most of its time); exit
    // status is non-zero whenever there are findings, so read the JSON. Each finding names its file.
    const r = spawnSync('cfn-lint', ['--format', 'json', '--regions', ENV.region, '--', ...Object.values(templates), badGateway, bad], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw r.error;
    findings = JSON.parse(r.stdout || '[]') as Finding[];
  }, 180_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('cfn-lint is installed (`.ci/run` installs it)', () => {
    expect(version).toMatch(/^cfn-lint \d+\.\d+/);
  });

  function resourceType(f: Finding): string | undefined {
    const path = f.Location.Path ?? [];
    if (path[0] !== 'Resources' || typeof path[1] !== 'string') return undefined;
    const template = JSON.parse(readFileSync(f.Filename, 'utf8')) as { Resources: Record<string, { Type: string }> };
    return template.Resources[path[1]]?.Type;
  }

  test.each(Object.keys(STACKS))('%s: no findings but the ignored ones', (label) => {
    const file = templates[label];
    const mine = (findings ?? []).filter((f) => f.Filename === file);
    const left = mine.filter((f) => !IGNORED.some((i) => i.rule === f.Rule.Id && i.matches(f, resourceType(f))));
    expect(left.map((f) => `${f.Rule.Id} ${f.Level} ${(f.Location.Path ?? []).join('/')}: ${f.Message}`)).toEqual([]);
  });

  test('every ignored rule still occurs (else it must be removed from IGNORED), so the findings were read per template', () => {
    const all = Object.values(templates).flatMap((file) => (findings ?? []).filter((f) => f.Filename === file));
    for (const i of IGNORED) expect([i.rule, all.some((f) => f.Rule.Id === i.rule && i.matches(f, resourceType(f)))]).toEqual([i.rule, true]);
  });

  /**
   * The gateway's template with a WAF window of 30 s, a rate limit of 5 and an authorizer cache of 7200 s (the
   * same bounds ModelGateway refuses at synth: API_GATEWAY_REST_CAPABILITIES.rateLimitRange, authorizerCacheTtl),
   * and a template with an unknown property and a missing required one.
   */
  function writeBrokenTemplates(): void {
    const template = JSON.parse(readFileSync(templates['model gateway (the seeds\' three routes, JWT, 100/min per API key, access logs, alarms)'], 'utf8')) as { Resources: Record<string, { Type: string; Properties: { Rules?: { Statement: { RateBasedStatement: object } }[]; AuthorizerResultTtlInSeconds?: number } }> };
    for (const r of Object.values(template.Resources)) {
      if (r.Type === 'AWS::WAFv2::WebACL') Object.assign(r.Properties.Rules![0].Statement.RateBasedStatement, { Limit: 5, EvaluationWindowSec: 30 });
      if (r.Type === 'AWS::ApiGateway::Authorizer') r.Properties.AuthorizerResultTtlInSeconds = 7200;
    }
    writeFileSync(badGateway, JSON.stringify(template));
    writeFileSync(bad, JSON.stringify({
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic', Properties: { Bogus: true } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x' } },
      },
    }));
  }

  test('the gateway\'s limits are the receiver\'s: cfn-lint reports a WAF window of 30 s, a rate limit of 5 and an authorizer cache of 7200 s', () => {
    const messages = (findings ?? []).filter((f) => f.Filename === badGateway).map((f) => `${f.Rule.Id} ${f.Message}`);
    expect(messages).toEqual(expect.arrayContaining([
      expect.stringMatching(/^E3030 30 is not one of \[60, 120, 300, 600\]/),
      expect.stringMatching(/^E3034 5 is less than the minimum of 10/),
      expect.stringMatching(/^E3718 AuthorizerResultTtlInSeconds 7200 exceeds maximum of 3600/),
    ]));
  });

  test('the check can fail: a template with an unknown property and a missing required one is reported', () => {
    const ids = (findings ?? []).filter((f) => f.Filename === bad).map((f) => f.Rule.Id);
    expect(ids).toEqual(expect.arrayContaining(['E3002', 'E3003']));
  });
});
