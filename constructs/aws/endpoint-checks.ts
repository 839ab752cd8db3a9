import * as cdk from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct, IConstruct } from 'constructs';
import { Duration, ProblemCollector, addSpecValidation, describe, isUnresolved } from '../../lib';
import { closestMatches } from '../../lib/internal/closest';
import type { ModelEndpointProps } from './model-endpoint';
import { SageMakerInstance } from './instance-types';

/** The SageMaker ModelEndpoint's own checks (the shared spec's are in lib/resolve-serving.ts), with the values they settle. */
export function checkEndpointProps(props: ModelEndpointProps, instance: SageMakerInstance | undefined, problems: ProblemCollector): { variantName: string; startup: Duration; download: Duration } {
  const variantName = props.variantName ?? 'AllTraffic';
  if (!isUnresolved(variantName) && !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(variantName)) {
    problems.add({ field: 'variantName', given: describe(variantName), allowed: 'letters, digits and "-", 1-63 characters, not starting or ending with "-"', fix: 'e.g. "AllTraffic"' });
  }
  const startup = props.containerStartupHealthCheckTimeout ?? Duration.minutes(10);
  const download = props.modelDataDownloadTimeout ?? Duration.minutes(10);
  for (const [field, d] of [['containerStartupHealthCheckTimeout', startup], ['modelDataDownloadTimeout', download]] as const) {
    const s = d.toSeconds();
    if (!(Number.isInteger(s) && s >= 60 && s <= 3600)) {
      problems.add({ field, given: d.toString(), allowed: 'whole seconds from 60 to 3600', fix: 'e.g. Duration.minutes(10)' });
    }
  }
  if (instance?.hasInstanceStore) {
    if (props.volumeSize) {
      problems.add({ field: 'volumeSize', given: `${props.volumeSize.toGibibytes()} GiB on ${props.instanceType}`, allowed: 'only on instance types without local NVMe storage', fix: `remove volumeSize: ml.${instance.family}.* uses its instance store` });
    }
    if (props.encryptionKey) {
      problems.add({ field: 'encryptionKey', given: `a key on ${props.instanceType}`, allowed: 'only on instance types without local NVMe storage (SageMaker rejects KmsKeyId there)', fix: `remove encryptionKey: ml.${instance.family}.* encrypts its instance store in hardware` });
    }
  }
  if (props.volumeSize) {
    const gib = props.volumeSize.toGibibytes();
    if (!(Number.isInteger(gib) && gib >= 1 && gib <= 512)) {
      problems.add({ field: 'volumeSize', given: `${gib} GiB`, allowed: 'whole GiB from 1 to 512', fix: 'e.g. Size.gibibytes(30)' });
    }
  }
  if (!props.vpc && (props.vpcSubnets || props.securityGroups)) {
    problems.add({ field: 'vpcSubnets/securityGroups', given: 'set without vpc', allowed: 'only together with vpc', fix: 'pass the vpc they belong to' });
  }
  return { variantName, startup, download };
}

/**
 * The explicit escape hatch for a region newer than aws-cdk-lib's region table: a CDK context value, e.g.
 * `new cdk.App({ context: { 'model-serving-constructs:aws:extraRegions': ['xx-newregion-1'] } })`.
 */
export const AWS_EXTRA_REGIONS_CONTEXT = 'model-serving-constructs:aws:extraRegions';
export const AWS_REGIONS_SOURCE = 'aws-cdk-lib region-info (RegionInfo.regions, the installed aws-cdk-lib\'s AWS_REGIONS table)';

/**
 * The stack's region against the regions AWS's own CDK knows (aws-cdk-lib region-info, RegionInfo.regions, built
 * from its AWS_REGIONS fact table): a typo such as "us-east1" (Google's spelling) or "eu-westt-1" otherwise
 * synthesizes and fails only when the CLI cannot reach the region. An environment-agnostic stack (a token) is
 * not checked.
 */
export function checkStackRegion(scope: Construct, problems: ProblemCollector): void {
  const region = cdk.Stack.of(scope).region;
  if (isUnresolved(region) || cdk.Token.isUnresolved(region)) return;
  const extra = (scope.node.tryGetContext(AWS_EXTRA_REGIONS_CONTEXT) as string[] | undefined) ?? [];
  const known = [...RegionInfo.regions.map((r) => r.name), ...extra];
  if (known.includes(region)) return;
  const near = closestMatches(region, known, 2, 3);
  problems.add({
    field: 'stack region (env.region)',
    given: describe(region),
    allowed: `an AWS region code (${AWS_REGIONS_SOURCE}), e.g. us-east-1, eu-west-1, ap-southeast-2`,
    fix: `${near.length > 0 ? `did you mean ${near.map((n) => `"${n}"`).join(' or ')}? ` : ''}set the stack's env.region to a region code; for a region newer than the table, list it under the context key "${AWS_EXTRA_REGIONS_CONTEXT}"`,
  });
}

interface NamedEndpoint { readonly construct: IConstruct; readonly name: string; readonly stack: cdk.Stack }
const ENDPOINT_NAMES = new WeakMap<IConstruct, NamedEndpoint[]>();

/** Whether two stacks deploy to one account and region: the same stack, or both resolved and equal. */
function sameEnvironment(a: cdk.Stack, b: cdk.Stack): boolean {
  if (a === b) return true;
  const resolved = (v: string) => !cdk.Token.isUnresolved(v);
  return resolved(a.account) && resolved(a.region) && a.account === b.account && a.region === b.region;
}

/**
 * Cross-object: SageMaker endpoint names are unique per account and region (CreateEndpoint, EndpointName: "The
 * name must be unique within an AWS Region in your AWS account"; the names compare case-insensitively, ARNs are
 * lower-case). Every endpoint of the app registers here and the check runs at synth, so endpoints in two stacks
 * of one environment clash too and each is named.
 */
export function addEndpointNameCheck(endpoint: Construct, owner: string, name: string): void {
  if (cdk.Token.isUnresolved(name)) return;
  const root = endpoint.node.root;
  const stack = cdk.Stack.of(endpoint);
  const list = ENDPOINT_NAMES.get(root) ?? [];
  list.push({ construct: endpoint, name, stack });
  ENDPOINT_NAMES.set(root, list);
  addSpecValidation(endpoint, owner, () => (ENDPOINT_NAMES.get(root) ?? [])
    .filter((o) => o.construct !== endpoint && o.name.toLowerCase() === name.toLowerCase() && sameEnvironment(o.stack, stack))
    .map((o) => ({
      field: 'endpointName',
      given: `${describe(name)}, also used by ModelEndpoint ${o.construct.node.path}${o.stack === stack ? '' : ` (stack ${o.stack.stackName}, same account and region)`}`,
      allowed: 'one SageMaker endpoint per name in an account and region',
      fix: 'give one of them another endpointName (or leave it out for a generated one)',
    })));
}

/**
 * An SNS topic ARN: arn:<partition>:sns:<region>:<12-digit account>:<name>; topic names are 1-256 ASCII letters,
 * digits, "_" and "-", with ".fifo" at the end of a FIFO topic (botocore 1.43.11 sns CreateTopic Name).
 */
export function checkTopicArn(field: string, arn: string, problems: ProblemCollector): void {
  if (cdk.Token.isUnresolved(arn) || isUnresolved(arn)) return;
  if (/^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(arn)) return;
  problems.add({
    field,
    given: describe(arn),
    allowed: 'an SNS topic ARN arn:aws:sns:<region>:<12-digit account id>:<topic name of letters, digits, "_" and "-">',
    fix: 'pass the topic construct, or the ARN from `aws sns list-topics`',
  });
}

/**
 * EKS names: a cluster name is 1-100 characters matching ^[0-9A-Za-z][A-Za-z0-9\-_]* (botocore 1.43.11 eks
 * ClusterName); a node group name follows the same characters, at most 63 (EKS user guide, "Create a managed
 * node group": letters, digits, hyphens and underscores, starting with a letter or digit).
 */
export function checkEksName(field: string, name: string | undefined, max: number, problems: ProblemCollector): void {
  if (name === undefined || cdk.Token.isUnresolved(name) || isUnresolved(name)) return;
  if (new RegExp(`^[0-9A-Za-z][A-Za-z0-9_-]{0,${max - 1}}$`).test(name)) return;
  problems.add({ field, given: describe(name), allowed: `1-${max} letters, digits, "-" and "_", starting with a letter or digit (EKS)`, fix: `e.g. "${name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[-_]+/, '').slice(0, max) || 'inference'}"` });
}
