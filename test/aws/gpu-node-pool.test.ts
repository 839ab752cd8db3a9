import * as cdk from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import { Accelerator, NODE_SCHEDULING, Size } from '../../lib';
import { GpuAmiType, GpuNodePool, GpuNodePoolProps } from '../../constructs/aws';
import { CapacityType } from '../../lib';
import { expectNoProblems, expectNoSynthProblems, expectProblems } from '../support/expect-problems';

function setup(extra: Partial<GpuNodePoolProps> = {}, byName = true, region: string | null = 'eu-west-1') {
  const app = new cdk.App({ builtinCloudFormationValidation: false });
  const stack = new cdk.Stack(app, 'Test', region ? { env: { account: '123456789012', region } } : {});
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['a', 'b'].map((z) => `${region ?? 'eu-west-1'}${z}`),
    privateSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
  });
  const where = byName ? { clusterName: 'inference', vpc } : { cluster: eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'imported', vpc }) };
  const pool = new GpuNodePool(stack, 'Pool', { ...where, accelerator: Accelerator.NVIDIA_A10G, ...extra } as GpuNodePoolProps);
  return { stack, pool, template: () => Template.fromStack(stack) };
}

describe('GpuNodePool defaults', () => {
  test('snapshot', () => {
    expect(setup().template().toJSON()).toMatchSnapshot();
  });

  test('an AL2023 NVIDIA node group of the accelerator\'s family, tainted and labelled for GPU pods', () => {
    setup().template().hasResourceProperties('AWS::EKS::Nodegroup', {
      ClusterName: 'inference',
      AmiType: 'AL2023_x86_64_NVIDIA',
      CapacityType: 'ON_DEMAND',
      InstanceTypes: ['g5.xlarge', 'g5.2xlarge'],
      ScalingConfig: { MinSize: 0, MaxSize: 2, DesiredSize: Match.absent() },
      Labels: { 'model-serving.dev/accelerator': 'nvidia-a10g' },
      Taints: [{ Key: 'nvidia.com/gpu', Value: 'true', Effect: 'NO_SCHEDULE' }],
      Subnets: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
      LaunchTemplate: { Id: { Ref: Match.stringLikeRegexp('^PoolLaunchTemplate') }, Version: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PoolLaunchTemplate'), 'LatestVersionNumber'] } },
    });
  });

  test('the label key is the shared contract with the Kubernetes constructs', () => {
    expect(NODE_SCHEDULING.acceleratorLabel).toBe('model-serving.dev/accelerator');
    expect(setup().pool.labels).toEqual({ [NODE_SCHEDULING.acceleratorLabel]: Accelerator.NVIDIA_A10G.nodeLabelValue });
  });

  // Amazon EKS security best practices ("Restrict access to the instance profile assigned to the worker
  // node", docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html) and the EC2
  // user guide ("Configure the Instance Metadata Service options": in a container environment a hop limit
  // of 1 keeps the IMDSv2 token response from reaching the container): IMDSv2 only, hop limit 1, so a pod
  // (one network hop further than the node) cannot get a token and so cannot read the node role.
  test('the launch template encrypts a gp3 root volume and requires IMDSv2 with hop limit 1 (pods cannot reach the node role)', () => {
    for (const byName of [true, false]) {
      const lts = Object.values(setup({}, byName).template().findResources('AWS::EC2::LaunchTemplate'));
      expect(lts).toHaveLength(1);
      expect(lts[0].Properties.LaunchTemplateData).toEqual({
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 100, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } }],
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
      });
    }
  });

  test('the node role has exactly the three EKS worker managed policies', () => {
    const t = setup().template();
    const roles = Object.values(t.findResources('AWS::IAM::Role'));
    expect(roles).toHaveLength(1);
    const arns = (roles[0].Properties.ManagedPolicyArns as any[]).map((a) => JSON.stringify(a));
    expect(arns).toHaveLength(3);
    for (const name of ['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonEKS_CNI_Policy']) {
      expect(arns.some((a) => a.includes(`:iam::aws:policy/${name}`))).toBe(true);
    }
    expect(roles[0].Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'ec2.amazonaws.com' });
  });
});

describe('GpuNodePool props', () => {
  test('an eks.ICluster gives the cluster name and the VPC', () => {
    setup({}, false).template().hasResourceProperties('AWS::EKS::Nodegroup', { ClusterName: 'imported', Subnets: ['subnet-0000000000000000a', 'subnet-0000000000000000b'] });
  });

  test('explicit instance types', () => {
    setup({ accelerator: Accelerator.NVIDIA_L4, instanceTypes: ['g6.xlarge', 'g6.4xlarge'] }, true, 'us-east-1').template()
      .hasResourceProperties('AWS::EKS::Nodegroup', { InstanceTypes: ['g6.xlarge', 'g6.4xlarge'], Labels: { [NODE_SCHEDULING.acceleratorLabel]: 'nvidia-l4' } });
  });

  test('sizes pick sizes of the first family; single-size families default to their one size', () => {
    setup({ sizes: ['4xlarge'] }).template().hasResourceProperties('AWS::EKS::Nodegroup', { InstanceTypes: ['g5.4xlarge'] });
    setup({ accelerator: Accelerator.NVIDIA_H100 }, true, 'us-east-1').template().hasResourceProperties('AWS::EKS::Nodegroup', { InstanceTypes: ['p5.48xlarge'] });
  });

  test('spot capacity, scaling bounds and a desired size', () => {
    setup({ capacityType: CapacityType.SPOT, minNodes: 1, maxNodes: 8, desiredNodes: 3 }).template().hasResourceProperties('AWS::EKS::Nodegroup', {
      CapacityType: 'SPOT',
      ScalingConfig: { MinSize: 1, MaxSize: 8, DesiredSize: 3 },
    });
  });

  test('Bottlerocket encrypts its data volume', () => {
    const t = setup({ amiType: GpuAmiType.BOTTLEROCKET_X86_64_NVIDIA, diskSize: Size.gibibytes(200) }).template();
    t.hasResourceProperties('AWS::EKS::Nodegroup', { AmiType: 'BOTTLEROCKET_x86_64_NVIDIA' });
    t.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ BlockDeviceMappings: [{ DeviceName: '/dev/xvdb', Ebs: Match.objectLike({ VolumeSize: 200, Encrypted: true }) }] }),
    });
  });

  test('extra labels and a node group name', () => {
    setup({ labels: { team: 'risk' }, nodegroupName: 'gpu-a10g' }).template().hasResourceProperties('AWS::EKS::Nodegroup', {
      NodegroupName: 'gpu-a10g',
      Labels: { team: 'risk', [NODE_SCHEDULING.acceleratorLabel]: 'nvidia-a10g' },
    });
  });
});

describe('GpuNodePool validation', () => {
  test('both cluster and clusterName', () => {
    const app = new cdk.App();
    const stack = new cdk.Stack(app, 'S');
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['a'], privateSubnetIds: ['subnet-1'] });
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'C', { clusterName: 'c', vpc });
    expectProblems(() => new GpuNodePool(stack, 'P', { cluster, clusterName: 'c', accelerator: Accelerator.NVIDIA_T4 }), /cluster\/clusterName: got both; allowed: exactly one/);
  });

  test('neither cluster nor clusterName', () => {
    const stack = new cdk.Stack(new cdk.App(), 'S');
    expectProblems(() => new GpuNodePool(stack, 'P', { accelerator: Accelerator.NVIDIA_T4 }), /cluster\/clusterName: got neither/);
  });

  test('clusterName without a VPC', () => {
    const stack = new cdk.Stack(new cdk.App(), 'S');
    expectProblems(() => new GpuNodePool(stack, 'P', { clusterName: 'c', accelerator: Accelerator.NVIDIA_T4 }), /vpc: got undefined with clusterName/);
  });

  test('an instance type of another GPU', () => {
    expectProblems(() => setup({ instanceTypes: ['g6.xlarge'] }), /instanceTypes\[0\]: got "g6.xlarge" for NVIDIA_A10G; allowed: the families that carry NVIDIA_A10G: g5.*Accelerator.NVIDIA_L4/);
  });

  // The catalogue is the EC2 API model's InstanceType enum (botocore 1.43.11, data/ec2/2016-11-15/service-2.json,
  // read 2026-12-06): g5 comes in xlarge to 48xlarge; there is no g5.large.
  test('a size EC2 does not have (g5.large), with the sizes it has, the source, and the escape hatch', () => {
    expectProblems(() => setup({ instanceTypes: ['g5.large', 'g5.xlarge', 'g5.3xlarge'] }),
      /instanceTypes\[0\]: got "g5.large"; allowed: an instance type EC2 has: g5 comes in xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 48xlarge \(the InstanceType enum of the EC2 API model \(botocore 1.43.11, data\/ec2\/2016-11-15\/service-2.json; read 2026-12-06\)\)\. Fix: pick one of those sizes, e.g. "g5.xlarge"; if AWS added g5.large after that date, list it in uncataloguedInstanceTypes[\s\S]*instanceTypes\[2\]: got "g5.3xlarge"/,
    );
    expectProblems(() => setup({ sizes: ['large'] }), /sizes\[0\]: got "g5.large"; allowed: an instance type EC2 has/);
  });

  test('uncataloguedInstanceTypes lets a listed type through, with a synth warning; it must name a pool type the catalogue lacks', () => {
    const { stack, template } = setup({ instanceTypes: ['g5.large', 'g5.xlarge'], uncataloguedInstanceTypes: ['g5.large'] });
    template().hasResourceProperties('AWS::EKS::Nodegroup', { InstanceTypes: ['g5.large', 'g5.xlarge'] });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('g5.large is not in the instance-type catalogue'));
    expect(warnings).toHaveLength(1);
    expectProblems(() => setup({ instanceTypes: ['g5.xlarge'], uncataloguedInstanceTypes: ['g5.large'] }), /uncataloguedInstanceTypes\[0\]: got "g5.large"; allowed: one of the pool's instance types \(g5.xlarge\)/);
    expectProblems(() => setup({ instanceTypes: ['g5.xlarge'], uncataloguedInstanceTypes: ['g5.xlarge'] }), /uncataloguedInstanceTypes\[0\]: got "g5.xlarge"; allowed: only types the catalogue does not list/);
  });

  test('every default size of every accelerator\'s families is in the catalogue', () => {
    for (const acc of [Accelerator.NVIDIA_T4, Accelerator.NVIDIA_L4, Accelerator.NVIDIA_A10G, Accelerator.NVIDIA_A100, Accelerator.NVIDIA_H100]) {
      expectNoSynthProblems(setup({ accelerator: acc }, true, 'us-east-1').stack);
    }
  });

  // Region table: EC2 DescribeInstanceTypeOfferings (location type "region") as moto 5.2.1 records it from the
  // live API (moto/ec2/resources/instance_type_offerings/region/eu-west-1.json.gz and us-east-1.json.gz, read
  // 2026-12-06): eu-west-1 lists g4dn, g5 and p4d but no g6 or p5; us-east-1 lists both.
  test('a GPU the stack\'s region does not offer is refused with the regions that do and the GPUs it has (issue 17)', () => {
    expectProblems(() => setup({ accelerator: Accelerator.NVIDIA_L4, instanceTypes: ['g6.xlarge'] }),
      /instanceTypes\[0\]: got "g6\.xlarge" \(NVIDIA_L4\) in eu-west-1; allowed: a region where EC2 offers g6\.xlarge: .*eu-west-2.*us-east-1.*moto 5\.2\.1.*Fix: deploy the stack to one of those regions, or pick a GPU eu-west-1 offers: NVIDIA_T4 \(g4dn\.\*\), NVIDIA_A10G \(g5\.\*\), NVIDIA_A100 \(p4d\.\*\); if AWS added it in eu-west-1 since, set uncataloguedInstanceTypes: \["g6\.xlarge"\]/);
    expectProblems(() => setup({ accelerator: Accelerator.NVIDIA_H100 }), /sizes\[0\]: got "p5\.48xlarge" \(NVIDIA_H100\) in eu-west-1/);
    // A size missing where the rest of its family is offered: p5.4xlarge is not in ca-central-1, p5.48xlarge is.
    expectProblems(() => setup({ accelerator: Accelerator.NVIDIA_H100, instanceTypes: ['p5.4xlarge'] }, true, 'ca-central-1'), /got "p5\.4xlarge" \(NVIDIA_H100\) in ca-central-1/);
    expectNoProblems(() => setup({ accelerator: Accelerator.NVIDIA_H100, instanceTypes: ['p5.48xlarge'] }, true, 'ca-central-1'));
  });

  test('the region check skips an environment-agnostic stack and a region the table does not cover; uncataloguedInstanceTypes accepts it with a warning', () => {
    expectNoProblems(() => setup({ accelerator: Accelerator.NVIDIA_L4, instanceTypes: ['g6.xlarge'] }, true, null));
    expectNoProblems(() => setup({ accelerator: Accelerator.NVIDIA_L4, instanceTypes: ['g6.xlarge'] }, true, 'ap-southeast-7'));
    const { stack } = setup({ accelerator: Accelerator.NVIDIA_L4, instanceTypes: ['g6.xlarge'], uncataloguedInstanceTypes: ['g6.xlarge'] });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('g6.xlarge is not offered in eu-west-1'))).toHaveLength(1);
  });

  test('a SageMaker instance type', () => {
    expectProblems(() => setup({ instanceTypes: ['ml.g5.xlarge'] }), /no "ml\." prefix on EKS/);
  });

  test('a size that makes a malformed type', () => {
    expectProblems(() => setup({ sizes: ['x large'] }), /sizes\[0\]: got "g5.x large"/);
  });

  test('an empty instance type list', () => {
    expectProblems(() => setup({ instanceTypes: [] }), /instanceTypes: got \[\]; allowed: at least one/);
  });

  test('an unknown accelerator without instance types', () => {
    expectProblems(() => setup({ accelerator: Accelerator.of('NVIDIA_L40S') }), /NVIDIA_L40S \(no known EC2 family\)/);
  });

  test('an unknown accelerator on a family known to carry another GPU', () => {
    expectProblems(() => setup({ accelerator: Accelerator.of('NVIDIA_L40S'), instanceTypes: ['g5.xlarge'] }), /got "g5.xlarge" for NVIDIA_L40S/);
  });

  test('negative minNodes', () => {
    expectProblems(() => setup({ minNodes: -1 }), /minNodes: got -1/);
  });

  test('maxNodes below minNodes', () => {
    expectProblems(() => setup({ minNodes: 3, maxNodes: 2 }), /maxNodes: got 2 with minNodes 3/);
  });

  test('desiredNodes outside the bounds', () => {
    expectProblems(() => setup({ minNodes: 1, maxNodes: 2, desiredNodes: 5 }), /desiredNodes: got 5; allowed: an integer from minNodes \(1\) to maxNodes \(2\)/);
  });

  test('a disk too small for GPU images', () => {
    expectProblems(() => setup({ diskSize: Size.gibibytes(10) }), /diskSize: got 10 GiB/);
  });

  test('overriding the accelerator label', () => {
    expectProblems(() => setup({ labels: { [NODE_SCHEDULING.acceleratorLabel]: 'nvidia-h100' } }), /labels\.model-serving\.dev\/accelerator: got "nvidia-h100"/);
  });
});
