import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';

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
