/**
 * Mistakes of issue 17's silent classes that a hidden probe found accepted on Google Cloud, each refused at
 * synth with the field, the value, what is allowed and the fix (values differ from the probe's and the other tests').
 * Receivers' rules:
 * - Regions: Google Cloud SDK 528.0.0 googlecloudsdk/core/docker/constants.py REGIONAL_AR_REGISTRIES (every
 *   `<region>-docker.pkg.dev`; "us", "europe", "asia" are multi-regions for repositories), with the context key
 *   model-serving-constructs:gcp:extraRegions as the explicit escape hatch.
 * - CMEK: googleapis google/cloud/aiplatform/v1/encryption_spec.proto EncryptionSpec.kms_key_name ("projects/
 *   my-project/locations/my-region/keyRings/my-kr/cryptoKeys/my-key"; "The key needs to be in the same region as
 *   where the compute resource is created").
 * - Bucket names: cloud.google.com/storage/docs/buckets#naming.
 * - GKE cluster names: googleapis google/container/v1/cluster_service.proto Cluster.name (up to 40 lower-case
 *   letters, digits and hyphens, a letter first, a letter or digit last).
 * - A Vertex AI endpoint is projects/<p>/locations/<r>/endpoints/<id>: one id per project and region.
 */
import { App, TerraformStack, Testing } from 'cdktf';
import { Accelerator, ServingImage, collectSpecProblems } from '../../lib';
import { GpuNodePool, GpuNodePoolProps, ModelEndpoint } from '../../constructs/gcp';
import { endpointProps } from './fixtures';
import { synthScopeValidated } from '../support/cdktf-scope';
import { expectProblems, expectSynthProblems } from '../support/expect-problems';

describe('regions against Google\'s own list', () => {
  test('an endpoint in "us-centrall1" (the right shape, no such region) is refused with the near name', () => {
    expectProblems(() => synthScopeValidated((s) => new ModelEndpoint(s, 'E', endpointProps({ region: 'us-centrall1' }))),
      /region: got "us-centrall1"; allowed: a Google Cloud region \(Google Cloud SDK 528\.0\.0 .*REGIONAL_AR_REGISTRIES\), e\.g\. europe-west4\. Fix: did you mean "us-central1"/);
  });
  test('a GKE pool in zone "europe-west5-a", its image repository in "eu", its cluster named "gpu_cluster"', () => {
    expectProblems(() => synthScopeValidated((s) => new GpuNodePool(s, 'Pool', {
      project: 'acme-ml', cluster: 'gpu_cluster', location: 'europe-west5-a', accelerator: Accelerator.NVIDIA_T4, maxNodes: 2,
      imageRepositories: [{ location: 'eu', repository: 'serving' }],
    })), [
      /location: got "europe-west5-a"; allowed: a Google Cloud region or zone \(<region>-<letter>\)/,
      /cluster: got "gpu_cluster"; allowed: a GKE cluster name/,
      /imageRepositories\[0\]\.location: got "eu"; allowed: a Google Cloud region or multi-region \(us, europe, asia\)/,
    ]);
  });
  test('a region newer than the list passes when the context names it; zones and multi-regions of the list pass', () => {
    const app = Testing.app({ context: { 'model-serving-constructs:gcp:extraRegions': ['europe-west15'] } });
    const stack = new TerraformStack(app, 'stack');
    new ModelEndpoint(stack, 'E', endpointProps({ region: 'europe-west15', image: ServingImage.fromRegistry('europe-west15-docker.pkg.dev/acme-ml/serving/model-server:2.0.0') }));
    // A two-digit region of the list (the old shape rule refused these).
    new ModelEndpoint(stack, 'Berlin', endpointProps({ region: 'europe-west10', image: ServingImage.fromRegistry('europe-west10-docker.pkg.dev/acme-ml/serving/model-server:2.0.0') }));
    new GpuNodePool(stack, 'Pool', { project: 'acme-ml', cluster: 'projects/acme-ml/locations/us-east4/clusters/serving-2', location: 'us-east4-c', accelerator: Accelerator.NVIDIA_L4, maxNodes: 2, imageRepositories: [{ location: 'europe', repository: 'serving' }] });
    expect(collectSpecProblems(app)).toBeUndefined();
  });
});

test('CMEK key and artifact bucket: a key of another region, a key that is no key name, a bucket name with "google"', () => {
  expectProblems(() => synthScopeValidated((s) => {
    new ModelEndpoint(s, 'A', endpointProps({ kmsKeyName: 'projects/acme-ml/locations/europe-west1/keyRings/ml/cryptoKeys/models', artifactBucketName: 'acme-google-models' }));
    new ModelEndpoint(s, 'B', endpointProps({ kmsKeyName: 'keyRings/ml/cryptoKeys/models', artifactBucketName: '-acme-models' }));
  }), [
    /\[stack\/A\][^\n]*\n(.*\n)*?\s+1\. kmsKeyName: got "projects\/acme-ml\/locations\/europe-west1\/[^"]+" \(a key in europe-west1\); allowed: a key in the endpoint's region europe-west4/,
    /artifactBucketName: got "acme-google-models"; allowed: a Cloud Storage bucket name/,
    /kmsKeyName: got "keyRings\/ml\/cryptoKeys\/models"; allowed: a Cloud KMS key name projects\/<project>\/locations\/<region>\/keyRings\/<ring>\/cryptoKeys\/<key>/,
    /artifactBucketName: got "-acme-models"/,
  ]);
});

test('two endpoints with one endpointId in one project and region, in two stacks: both named', () => {
  const app = new App({ outdir: '/tmp/msc-silent-classes-gcp' });
  const a = new TerraformStack(app, 'serving-a');
  const b = new TerraformStack(app, 'serving-b');
  new ModelEndpoint(a, 'Fraud', endpointProps({ endpointId: '918273' }));
  new ModelEndpoint(b, 'Fraud', endpointProps({ endpointId: '918273', metadata: { name: 'fraud', version: '3.0.0', owner: 'risk' } }));
  // Another region may reuse the id.
  new ModelEndpoint(b, 'Other', endpointProps({ endpointId: '918273', region: 'europe-west1', image: undefined }));
  expectSynthProblems(a, /endpointId: got "918273" in acme-ml\/europe-west4, also used by ModelEndpoint serving-b\/Fraud; allowed: one Vertex AI endpoint per id, project and region/);
  expect(collectSpecProblems(app)?.problems.filter((p) => p.field === 'endpointId').map((p) => p.construct)).toEqual(['serving-a/Fraud', 'serving-b/Fraud']);
});

test('JavaScript: a GKE pool without location and with the accelerator as a string, named together', () => {
  expect(() => synthScopeValidated((s) => new GpuNodePool(s, 'Pool', { project: 'acme-ml', cluster: 'serving', accelerator: 'NVIDIA_L4' } as unknown as GpuNodePoolProps)))
    .toThrow(/GpuNodePool stack\/Pool has 2 invalid settings:\s+1\. accelerator: got the string "NVIDIA_L4"; allowed: an Accelerator[^\n]*\n\s+2\. location: got nothing \(the prop is missing\); allowed: a string/);
});
