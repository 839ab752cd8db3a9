// Masks the asset hashes CDK and cdktf write into synthesized output, where they put them, and nothing else.
// They change whenever an asset's bytes change (a rebuilt handler bundle, a regenerated model) and would churn
// every snapshot; any other 64-hex value (an image digest a test pins, a model's sha256 property, a plan hash)
// stays in the snapshot, where a change to it is a change to review.
//
// Where the toolkits put asset hashes (aws-cdk-lib 2.276.0, core/lib/stack-synthesizers):
// - asset-manifest-builder.js: a file asset's object key is `<bucketPrefix><sourceHash><extension>` (".zip"
//   for a directory), in the bucket default-synthesizer.js names `cdk-<qualifier>-assets-<account>-<region>`;
//   templates carry the key alone (Code.S3Key) or after the bucket (s3:// URIs, ARNs);
// - a container asset's tag is `<dockerTagPrefix><sourceHash>` in `cdk-<qualifier>-container-assets-...`.
// cdktf 0.21.0 lib/terraform-asset.js: an asset's path is `assets/<logical id>/<asset hash>/<file name>`.
const HEX = '[0-9a-f]{64}';
const CONTEXTS = [
  // Code.S3Key and other bare object keys: the whole string is `<hash>.<ext>`.
  new RegExp(`^(${HEX})(\\.[A-Za-z0-9]+)$`),
  // The object key after the CDK assets bucket.
  new RegExp(`(cdk-[a-z0-9]+-assets-[^/"\\s]*/)(${HEX})(?=\\.[A-Za-z0-9]+)`, 'g'),
  // The image tag in the CDK container assets repository.
  new RegExp(`(cdk-[a-z0-9]+-container-assets-[^:"\\s]*:)(${HEX})`, 'g'),
  // cdktf asset folders.
  new RegExp(`(assets/[^/"\\s]+/)(${HEX})(?=/)`, 'g'),
];
const MASK = '<asset-hash>';

function mask(value) {
  let out = value;
  for (const re of CONTEXTS) {
    out = re.flags.includes('g') ? out.replace(re, (_m, before) => `${before}${MASK}`) : out.replace(re, (_m, _hash, after) => `${MASK}${after}`);
  }
  return out;
}

module.exports = {
  test: (value) => typeof value === 'string' && mask(value) !== value,
  serialize: (value) => JSON.stringify(mask(value)),
  mask,
};
