/**
 * jest setupFiles (constructs project): cdktf asks the `terraform` binary for its version once per validated
 * construct that needs a minimum version. cdktf 0.21.0 lib/validations/validate-binary-version.js runs
 * `execSync("terraform version")` (through a shell) in every `validate()`, and lib/terraform-data-resource.js
 * adds one such validation (">=1.4") to every terraform_data resource, so each validated synth of a Vertex AI
 * ModelEndpoint (its Teardown and Deployment) spawned two shells and two terraform processes (~100 ms each).
 *
 * The answer cannot change while one test file runs (same binary, same PATH), so each distinct check
 * (command, constraint, hint) runs once per test file and later calls return the same messages. Every
 * validation still runs and still reports exactly what cdktf would; only the repeated process spawn goes.
 */
const { ValidateBinaryVersion } = require('cdktf/lib/validations/validate-binary-version');

const original = ValidateBinaryVersion.prototype.validate;
const answers = new Map();
ValidateBinaryVersion.prototype.validate = function validateOnce() {
  const key = JSON.stringify([this.binary, this.versionCommand, this.versionConstraint, this.hint ?? '', process.env.PATH ?? '']);
  if (!answers.has(key)) answers.set(key, original.call(this));
  return [...answers.get(key)];
};
