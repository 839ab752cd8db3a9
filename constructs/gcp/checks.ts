/**
 * Google Cloud checks shared by the constructs: regions, ids and names against Google's own rules, and
 * cross-object checks run at synth. Each rule cites where it comes from.
 */
import { IConstruct } from 'constructs';
import { ProblemCollector, addSpecValidation, describe, isUnresolved } from '../../lib';
import { closestMatches } from '../../lib/internal/closest';

/**
 * Google Cloud regions: every region with an Artifact Registry Docker host `<region>-docker.pkg.dev`, as Google's
 * own Cloud SDK lists them (google-cloud-sdk 528.0.0, lib/googlecloudsdk/core/docker/constants.py
 * REGIONAL_AR_REGISTRIES; the multi-regions "asia", "europe" and "us" left out: they host repositories, not
 * endpoints or clusters). A Vertex AI endpoint pulls its image from Artifact Registry in its own region.
 */
export const GCP_REGIONS: readonly string[] = [
  'africa-south1', 'asia-east1', 'asia-east2', 'asia-northeast1', 'asia-northeast2', 'asia-northeast3', 'asia-south1', 'asia-south2',
  'asia-southeast1', 'asia-southeast2', 'australia-southeast1', 'australia-southeast2', 'europe-central2', 'europe-north1', 'europe-north2',
  'europe-southwest1', 'europe-west1', 'europe-west10', 'europe-west12', 'europe-west2', 'europe-west3', 'europe-west4', 'europe-west6',
  'europe-west8', 'europe-west9', 'me-central1', 'me-central2', 'me-west1', 'northamerica-northeast1', 'northamerica-northeast2',
  'northamerica-south1', 'southamerica-east1', 'southamerica-west1', 'us-central1', 'us-central2', 'us-east1', 'us-east4', 'us-east5',
  'us-east7', 'us-south1', 'us-west1', 'us-west2', 'us-west3', 'us-west4', 'us-west8',
];
/** Artifact Registry multi-regions (the same source): valid for repositories only. */
export const GCP_MULTI_REGIONS: readonly string[] = ['asia', 'europe', 'us'];
export const GCP_REGIONS_SOURCE = 'Google Cloud SDK 528.0.0 googlecloudsdk/core/docker/constants.py REGIONAL_AR_REGISTRIES';
/**
 * The explicit escape hatch for a region newer than GCP_REGIONS: a cdktf context value, e.g.
 * `new App({ context: { 'model-serving-constructs:gcp:extraRegions': ['europe-west15'] } })`.
 */
export const GCP_EXTRA_REGIONS_CONTEXT = 'model-serving-constructs:gcp:extraRegions';

/**
 * A region (or, with `zones`, a zone `<region>-<letter>`; with `multiRegions`, "us"/"europe"/"asia") against
 * GCP_REGIONS plus the context's extra regions. A value of the wrong shape altogether is left to the caller's
 * own shape rule when `shapeCheckedElsewhere` (one message per mistake).
 */
export function checkGcpRegion(scope: IConstruct, field: string, location: string | undefined, problems: ProblemCollector,
  options: { zones?: boolean; multiRegions?: boolean; shapeCheckedElsewhere?: boolean } = {}): void {
  if (location === undefined || isUnresolved(location)) return;
  const shape = options.zones ? /^([a-z]+-[a-z]+[0-9]+)(-[a-z])?$/ : /^([a-z]+-[a-z]+[0-9]+)()$/;
  const m = typeof location === 'string' ? shape.exec(location) : null;
  if (options.multiRegions && GCP_MULTI_REGIONS.includes(location)) return;
  if (!m && options.shapeCheckedElsewhere) return;
  const extra = (scope.node.tryGetContext(GCP_EXTRA_REGIONS_CONTEXT) as string[] | undefined) ?? [];
  const known = [...GCP_REGIONS, ...extra];
  if (m && known.includes(m[1])) return;
  const region = m ? m[1] : String(location);
  const near = closestMatches(region, known, 2, 2);
  problems.add({
    field,
    given: describe(location),
    allowed: `a Google Cloud region${options.zones ? ' or zone (<region>-<letter>)' : ''}${options.multiRegions ? ' or multi-region (us, europe, asia)' : ''} (${GCP_REGIONS_SOURCE}), e.g. europe-west4${options.zones ? ', europe-west4-a' : ''}`,
    fix: `${near.length > 0 ? `did you mean ${near.map((n) => `"${n}"`).join(' or ')}? ` : ''}use a region from \`gcloud compute regions list\`; for one newer than the list, name it under the context key "${GCP_EXTRA_REGIONS_CONTEXT}"`,
  });
}

/**
 * A Cloud KMS key for CMEK: `projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>` (googleapis
 * google/cloud/kms/v1/resources.proto CryptoKey.name), in the resource's own region: Vertex AI's
 * EncryptionSpec.kms_key_name "The key needs to be in the same region as where the compute resource is
 * created" (googleapis google/cloud/aiplatform/v1/encryption_spec.proto), and a bucket's default key must be in
 * the bucket's location (cloud.google.com/storage/docs/encryption/customer-managed-keys, restrictions).
 */
export function checkKmsKeyName(field: string, keyName: string | undefined, region: string, problems: ProblemCollector): void {
  if (keyName === undefined || isUnresolved(keyName)) return;
  const m = /^projects\/[^/]+\/locations\/([^/]+)\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/.exec(keyName);
  if (!m) {
    problems.add({ field, given: describe(keyName), allowed: 'a Cloud KMS key name projects/<project>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>', fix: 'copy it from `gcloud kms keys list --keyring <ring> --location <region> --format="value(name)"`' });
  } else if (!isUnresolved(region) && m[1] !== region) {
    problems.add({ field, given: `${describe(keyName)} (a key in ${m[1]})`, allowed: `a key in the endpoint's region ${region} (Vertex AI and Cloud Storage take CMEK keys of their own location only)`, fix: `create a key ring in ${region} and use a key from it` });
  }
}

/**
 * Cloud Storage bucket names (cloud.google.com/storage/docs/buckets#naming): 3-63 characters of lower-case
 * letters, digits, "-", "_" and "." (up to 222 with dots, each dot-separated part at most 63), starting and ending
 * with a letter or digit, not starting with "goog" and not containing "google".
 */
export function checkBucketName(field: string, name: string | undefined, problems: ProblemCollector): void {
  if (name === undefined || isUnresolved(name)) return;
  const ok = /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name) && name.length >= 3 && name.length <= (name.includes('.') ? 222 : 63)
    && name.split('.').every((p) => p.length >= 1 && p.length <= 63) && !name.startsWith('goog') && !name.includes('google');
  if (ok) return;
  problems.add({ field, given: describe(name), allowed: 'a Cloud Storage bucket name: 3-63 lower-case letters, digits, "-", "_" and ".", a letter or digit at both ends, no "goog" prefix or "google"', fix: `e.g. "${name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '').slice(0, 63) || 'acme-ml-models'}"` });
}

/**
 * A GKE cluster: its name, or its id `projects/<p>/locations/<l>/clusters/<name>`. Cluster names "can be up to 40
 * characters with the following restrictions: Lowercase letters, numbers, and hyphens only. Must start with a
 * letter. Must end with a number or a letter." (googleapis google/container/v1/cluster_service.proto, Cluster.name).
 */
export function checkGkeCluster(field: string, cluster: string, problems: ProblemCollector): void {
  if (isUnresolved(cluster)) return;
  const name = /^projects\/[^/]+\/locations\/[^/]+\/clusters\/([^/]+)$/.exec(cluster)?.[1] ?? cluster;
  if (/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/.test(name)) return;
  problems.add({ field, given: describe(cluster), allowed: 'a GKE cluster name (a lower-case letter, then up to 39 lower-case letters, digits and "-", not ending in "-") or projects/<project>/locations/<location>/clusters/<name>', fix: 'use the name `gcloud container clusters list` shows' });
}

interface Registered { readonly construct: IConstruct; readonly key: string; readonly label: string }
const REGISTRY = new WeakMap<IConstruct, Map<string, Registered[]>>();

/**
 * Cross-object, at synth over the whole app: constructs of one `kind` whose `key` (e.g. project/region/id) is
 * equal collide on apply. Each one gets the problem `problem(other)`, so every construct involved is named.
 */
export function addUniqueKeyCheck(construct: IConstruct, owner: string, kind: string, key: string, problem: (other: IConstruct) => { field: string; given: string; allowed: string; fix: string }): void {
  if (isUnresolved(key)) return;
  const root = construct.node.root;
  const byKind = REGISTRY.get(root) ?? new Map<string, Registered[]>();
  REGISTRY.set(root, byKind);
  const list = byKind.get(kind) ?? [];
  byKind.set(kind, list);
  list.push({ construct, key, label: owner });
  addSpecValidation(construct, owner, () => list.filter((o) => o.construct !== construct && o.key === key).map((o) => problem(o.construct)));
}
