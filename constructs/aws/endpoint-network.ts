import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { OutboundTarget, SecretEnvironmentVariable, SecretSource, SpecProblem, refusal } from '../../lib';
import { SAGEMAKER_CAPABILITIES } from './capabilities';

/** Runs the model in `vpc`: subnets, security groups (one with no inbound rules by default) and the ENI actions SageMaker needs. */
export function bindVpc(scope: Construct & { readonly endpointName: string }, vpc: ec2.IVpc, vpcSubnets: ec2.SubnetSelection | undefined, securityGroups: ec2.ISecurityGroup[] | undefined, role: iam.IRole): sagemaker.CfnModel.VpcConfigProperty {
  const endpointName = scope.endpointName;
  const sgs = securityGroups ?? [new ec2.SecurityGroup(scope, 'SecurityGroup', {
    vpc: vpc,
    description: `SageMaker endpoint ${endpointName}`,
    allowAllOutbound: false,
  })];
  const subnets = vpc.selectSubnets(vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
  const vpcConfig = { subnets: subnets.subnetIds, securityGroupIds: sgs.map((sg) => sg.securityGroupId) };
  // SageMaker creates ENIs in the VPC on the role's behalf; these actions do not support resource ARNs.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ManageEndpointNetworkInterfaces',
    actions: [
      'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface',
      'ec2:DeleteNetworkInterfacePermission', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs',
      'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
    ],
    resources: ['*'],
  }));
  return vpcConfig;
}

/**
 * Refusals for destinations the server must reach (server.cache, server.tracing) that the model's network
 * cannot: with network isolation SageMaker gives the container no network at all (CreateModel
 * EnableNetworkIsolation: "no inbound or outbound network calls can be made to or from the model container");
 * without a VPC it has no route into yours.
 */
export function outboundProblems(outbound: readonly OutboundTarget[], networkIsolation: boolean | undefined, hasVpc: boolean): SpecProblem[] {
  const isolated = networkIsolation ?? true;
  return outbound.flatMap((t) => {
    if (isolated) {
      return [refusal(SAGEMAKER_CAPABILITIES, t.field, `${t.description} with networkIsolation ${networkIsolation === undefined ? 'true (the default)' : 'true'}`,
        'no outbound connections from a network-isolated model container',
        `set networkIsolation: false and vpc (subnets and security groups with a route to it), or remove ${t.field.split('.').slice(0, 2).join('.')}`)];
    }
    if (!hasVpc) {
      return [refusal(SAGEMAKER_CAPABILITIES, t.field, `${t.description} without vpc`,
        'a destination inside your VPC only when the model runs in it (vpc)',
        'set vpc (and vpcSubnets/securityGroups) with a route and a security group rule to it')];
    }
    return [];
  });
}

/**
 * Refusals for secrets the server must fetch from Secrets Manager at start: a network-isolated container has no
 * network at all (CreateModel EnableNetworkIsolation), so it cannot call GetSecretValue. Without a VPC the
 * container reaches AWS services over the internet (SageMaker "Give SageMaker AI Hosted Endpoints Access to
 * Resources in Your Amazon VPC": models access AWS resources over the internet by default); in a VPC it needs a
 * Secrets Manager interface endpoint or a NAT route, which the caller's VPC must provide.
 */
export function secretRouteProblems(secrets: readonly SecretEnvironmentVariable[], networkIsolation: boolean | undefined): SpecProblem[] {
  if (!(networkIsolation ?? true)) return [];
  return secrets.filter((s) => s.secret.source === SecretSource.AWS_SECRETS_MANAGER).map((s) =>
    refusal(SAGEMAKER_CAPABILITIES, s.field, `${s.secret.toString()} with networkIsolation ${networkIsolation === undefined ? 'true (the default)' : 'true'}`,
      'no call to Secrets Manager from a network-isolated model container (the server fetches the secret at start)',
      'set networkIsolation: false; in a vpc, give its subnets a Secrets Manager interface VPC endpoint (com.amazonaws.<region>.secretsmanager) or a NAT route'));
}
