/**
 * The schema check the Kubernetes suites rely on is strict, as `kubectl apply --validate=strict` is: a field
 * the receiving schema does not define fails, at any depth, for core objects, CRD objects and KServe.
 */
import { CanaryRollout, ModelCredentials, ModelEndpoint, ServingFlavour } from '../../constructs/k8s';
import { Duration, ModelArtifact, RolloutPolicy } from '../../lib';
import { Manifest, findOne, expectSchemaValid, schemaProblemsByLabel, synthChart } from '../support/k8s-helpers';
import { PROMETHEUS, baseProps, image, metadata } from './fixtures';

const plain = synthChart((chart) => {
  const endpoint = new ModelEndpoint(chart, 'E', baseProps({ namespace: 'ml' }));
  new CanaryRollout(chart, 'C', { endpoint, prometheusAddress: PROMETHEUS, policy: RolloutPolicy.canary({ bake: Duration.minutes(10) }), acceptApproximateTraffic: true });
});
const kserve = synthChart((chart) => {
  new ModelEndpoint(chart, 'K', { model: ModelArtifact.fromUri('s3://models/digits/1/'), metadata, image, flavour: ServingFlavour.kserve(), modelCredentials: ModelCredentials.awsIamRole('arn:aws:iam::123456789012:role/reader') });
});

/** A deep copy of `doc` with `edit` applied. */
function mutated(doc: Manifest, edit: (d: Manifest) => void): Manifest {
  const copy = JSON.parse(JSON.stringify(doc)) as Manifest;
  edit(copy);
  return copy;
}

test('what the constructs emit passes', () => {
  expectSchemaValid([...plain, ...kserve]);
});

const UNKNOWN_FIELDS: [string, () => Manifest, RegExp][] = [
  ['a core object at the top of its spec', () => mutated(findOne(plain, 'Service'), (d) => (d.spec.sessionAffinityy = 'None')), /Service\/digits: .*unknown field "sessionAffinityy"/],
  ['a core object deep in the pod template', () => mutated(findOne(plain, 'Rollout'), (d) => (d.spec.template.spec.containers[0].securityContext.readOnlyRoot = true)), /Rollout\/digits: .*unknown field "readOnlyRoot" \(not in SecurityContext\)/],
  ['a CRD object (Argo Rollouts) in its strategy', () => mutated(findOne(plain, 'Rollout'), (d) => (d.spec.strategy.canary.steps[0].setWeigth = 5)), /Rollout\/digits: .*unknown field "setWeigth"/],
  ['a CRD object (Argo AnalysisTemplate) in a provider', () => mutated(findOne(plain, 'AnalysisTemplate'), (d) => (d.spec.metrics[0].provider.prometheus.timeoutt = 5)), /AnalysisTemplate\/.*unknown field "timeoutt"/],
  ['metadata', () => mutated(findOne(plain, 'Service'), (d) => (d.metadata.label = { a: 'b' })), /Service\/digits: .*unknown field "label" \(not in ObjectMeta\)/],
  ['KServe predictor', () => mutated(findOne(kserve, 'InferenceService'), (d) => (d.spec.predictor.canaryTraffic = 5)), /InferenceService\/digits: .*must NOT have additional properties/],
  ['KServe container', () => mutated(findOne(kserve, 'InferenceService'), (d) => (d.spec.predictor.containers[0].imagePullPolicyy = 'Always')), /InferenceService\/digits: .*must NOT have additional properties/],
  ['KServe metadata', () => mutated(findOne(kserve, 'InferenceService'), (d) => (d.metadata.annotation = {})), /InferenceService\/digits: .*unknown field "annotation" \(not in ObjectMeta\)/],
];

// Every negative case is checked in one validator run (labels keep their problems apart).
const wrongValues = () => [
  mutated(findOne(plain, 'Service'), (d) => (d.spec.ports[0].port = 'eighty')),
  mutated(findOne(kserve, 'InferenceService'), (d) => (d.spec.predictor.scaleMetric = 'gpu')),
];
let found: Record<string, string[]> = {};
beforeAll(() => {
  found = schemaProblemsByLabel({ ...Object.fromEntries(UNKNOWN_FIELDS.map(([what, doc]) => [what, [doc()]])), 'wrong values': wrongValues() });
});

test.each(UNKNOWN_FIELDS)('an unknown field fails: %s', (what, _doc, message) => {
  const problems = found[what];
  expect(problems).toContainEqual(expect.stringMatching(message));
  // A Rollout's strategy is also checked against Argo's own CRD schema (test/fixtures/schemas), which reports
  // the same field a second time; nothing else may be reported.
  const field = /"([^"]+)"/.exec(message.source.replace(/\\/g, ''))?.[1];
  if (field) for (const p of problems) expect(p).toContain(field);
  expect(problems.length).toBeLessThanOrEqual(2);
});

test('wrong values still fail (type, enum, range)', () => {
  const problems = found['wrong values'];
  expect(problems.join('\n')).toMatch(/Service\/digits: .*port/);
  expect(problems.join('\n')).toMatch(/InferenceService\/digits: .*scaleMetric must be equal to one of the allowed values/);
});
