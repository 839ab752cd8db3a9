import { Duration, ProblemCollector, describe, isUnresolved } from '../../lib';
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
