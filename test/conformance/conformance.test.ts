/**
 * One table (cases.ts), every backend (adapters/*.ts). For each case and backend: the backend either
 * renders exactly what the spec says (compared with the spec resolved for its capabilities), or refuses
 * exactly the fields the table expects, naming itself. Across backends: whatever one honours, every other
 * honours identically or refuses by name. See harness.ts for how a backend plugs in.
 */
import { join } from 'node:path';
import { BACKENDS } from '../../scripts/backends';
import { ModelServingProps, ServingImage, SpecProblem, SpecValidationError } from '../../lib';
import { CASES } from './cases';
import { CommonView, ConformanceAdapter, ConformanceCase, IMAGE_PATH, LABEL_VALUE, PLATFORM_SERVER_DEFAULTS } from './harness';

// One adapter file per registered backend (scripts/backends.json).
const ADAPTERS: ConformanceAdapter[] = BACKENDS
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  .flatMap((b) => (require(join(__dirname, '..', '..', b.conformanceAdapter)) as { adapters: ConformanceAdapter[] }).adapters);

interface Outcome {
  readonly adapter: ConformanceAdapter;
  readonly spec: ModelServingProps;
  readonly view?: CommonView;
  readonly problems?: readonly SpecProblem[];
}

function specFor(c: ConformanceCase, a: ConformanceAdapter): ModelServingProps {
  return { ...c.spec, image: ServingImage.fromRegistry(`${a.registry}/${IMAGE_PATH}`) };
}

function run(c: ConformanceCase, a: ConformanceAdapter): Outcome {
  const spec = specFor(c, a);
  try {
    return { adapter: a, spec, view: a.render(c, spec) };
  } catch (e) {
    if (e instanceof SpecValidationError) return { adapter: a, spec, problems: e.problems };
    throw e;
  }
}

/**
 * The view the case's hand-written meaning (cases.ts `expected`) implies on `a`'s platform. Only the case's own
 * inputs (metadata, model) and hand-written tables (harness.ts) go in: nothing here asks the library, so a
 * resolver bug cannot move the expectation along with the output.
 */
function expectedView(c: ConformanceCase, o: Outcome): CommonView {
  const backend = o.adapter.backend;
  const e = c.expected;
  const m = c.spec.metadata;
  const label = LABEL_VALUE[backend] ?? ((v: string) => v);
  const identity: Record<string, string> = { name: label(m.name), version: label(m.version), owner: label(m.owner) };
  if (m.framework !== undefined) identity.framework = label(m.framework);
  if (m.trainedOn !== undefined) identity['trained-on'] = label(m.trainedOn);
  const platform = PLATFORM_SERVER_DEFAULTS[backend];
  if (platform === undefined) throw new Error(`PLATFORM_SERVER_DEFAULTS (harness.ts) has no entry for ${backend}`);
  return {
    image: IMAGE_PATH,
    modelSignature: c.spec.model.signature,
    modelSource: c.spec.model.uri ?? 'local',
    environment: {
      MODEL_SERVER_MODEL_NAME: m.name,
      MODEL_SERVER_MODEL_VERSION: m.version,
      MODEL_SERVER_MODEL_SIGNATURE: JSON.stringify(c.spec.model.signature),
      ...platform,
      ...e.server,
    },
    minReplicas: e.minReplicas,
    maxReplicas: e.maxReplicas,
    scalingTargets: e.scalingTargets,
    identity,
    guardrails: e.guardrails,
    ...(e.rolloutWeights ? { rolloutWeights: e.rolloutWeights } : {}),
    ...(e.budget ? { budget: e.budget } : {}),
  };
}

/** The signature variable compared as JSON (key order is not meaning). */
function withParsedSignature(v: CommonView): unknown {
  const { MODEL_SERVER_MODEL_SIGNATURE: signature, ...environment } = v.environment;
  return { ...v, environment: { ...environment, MODEL_SERVER_MODEL_SIGNATURE: signature === undefined ? undefined : JSON.parse(signature) } };
}

/** Variables whose default comes from the backend's capabilities, left out when comparing backends unless set. */
const CAPABILITY_DEFAULTS: Readonly<Record<string, string>> = {
  'server.maxRequestBodySize': 'MODEL_SERVER_MAX_REQUEST_BODY_BYTES',
  'server.grpc': 'MODEL_SERVER_GRPC_PORT',
};

/** Variables only the platform decides (no spec field sets them): checked per backend, never across backends. */
const PLATFORM_ONLY = ['MODEL_SERVER_METRICS_PORT'];

function comparable(c: ConformanceCase, v: CommonView): Partial<CommonView> {
  const environment = { ...v.environment };
  for (const variable of PLATFORM_ONLY) delete environment[variable];
  for (const [field, variable] of Object.entries(CAPABILITY_DEFAULTS)) {
    const [group, key] = field.split('.');
    if ((c.spec as unknown as Record<string, Record<string, unknown> | undefined>)[group]?.[key] === undefined) delete environment[variable];
  }
  // Guardrails are compared where the case relies on them: set explicitly, or watched by a rollout.
  const watched = c.spec.guardrails !== undefined || c.rollout !== undefined;
  // Identity is compared per backend against its own label rule (a Google Cloud label cannot hold ".").
  const { identity: _identity, ...rest } = v;
  return { ...rest, environment, guardrails: watched ? v.guardrails : undefined };
}

test('every backend that exists has an adapter', () => {
  expect(ADAPTERS.map((a) => a.backend)).toEqual(expect.arrayContaining(['SageMaker', 'Kubernetes', 'KServe (serverless)', 'Vertex AI']));
});

test('the table names only backends that have an adapter', () => {
  const known = new Set(ADAPTERS.map((a) => a.backend));
  for (const c of CASES) for (const b of Object.keys(c.refusals ?? {})) expect(`${c.name}: ${b}`).toBe(known.has(b) ? `${c.name}: ${b}` : `${c.name}: (no adapter)`);
});

describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  const outcomes = new Map<string, Outcome>();
  const outcome = (a: ConformanceAdapter) => {
    if (!outcomes.has(a.backend)) outcomes.set(a.backend, run(c, a));
    return outcomes.get(a.backend)!;
  };

  test.each(ADAPTERS.map((a) => [a.backend, a] as const))('%s: honours it exactly, or refuses exactly what the table expects, by name', (_b, a) => {
    const o = outcome(a);
    const expected = [...(c.refusals?.[a.backend] ?? [])].sort();
    if (o.problems) {
      // Every problem is a refusal by this backend: a case must be valid spec.
      for (const p of o.problems) expect(`${p.field}: ${p.backend ?? '(not a refusal)'}`).toBe(`${p.field}: ${(a.refusedBy ?? [a.backend]).includes(p.backend ?? '') ? p.backend : `one of ${(a.refusedBy ?? [a.backend]).join(', ')}`}`);
      expect(o.problems.map((p) => p.field).sort()).toEqual(expected);
      return;
    }
    expect(expected).toEqual([]);
    const view = o.view!;
    const want = expectedView(c, o);
    // A backend that watches nothing (KServe) has no guardrails to compare; one that watches must match.
    expect(withParsedSignature({ ...view, guardrails: view.guardrails === undefined ? undefined : want.guardrails })).toEqual(
      withParsedSignature({ ...want, guardrails: view.guardrails === undefined ? undefined : want.guardrails }),
    );
    if (view.guardrails !== undefined) expect(view.guardrails).toEqual(want.guardrails);
  });

  test('what one backend honours, every other honours identically or refuses by name', () => {
    const all = ADAPTERS.map(outcome);
    const honoured = all.filter((o) => o.view !== undefined);
    expect(honoured.length).toBeGreaterThan(0);
    for (const o of all.filter((x) => x.problems)) {
      expect(o.problems!.every((p) => p.backend !== undefined)).toBe(true);
    }
    const [first, ...others] = honoured;
    for (const o of others) {
      expect({ backend: o.adapter.backend, ...comparable(c, o.view!) }).toEqual({ backend: o.adapter.backend, ...comparable(c, first.view!) });
    }
    // A relied-on guardrail is watched by everyone who honours the case.
    if (c.spec.guardrails !== undefined || c.rollout !== undefined) {
      for (const o of honoured) expect(`${o.adapter.backend}: ${o.view!.guardrails ? 'watched' : 'not watched'}`).toBe(`${o.adapter.backend}: watched`);
    }
  });
});
