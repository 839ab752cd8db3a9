/**
 * One table (cases.ts), every backend (adapters/*.ts). For each case and backend: the backend either
 * renders exactly what the spec says (compared with the spec resolved for its capabilities), or refuses
 * exactly the fields the table expects, naming itself. Across backends: whatever one honours, every other
 * honours identically or refuses by name. See harness.ts for how a backend plugs in.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BudgetAction, ModelServingProps, NameRule, ServingImage, SpecProblem, SpecResolver, SpecValidationError, TAG_KEYS } from '../../lib';
import { CASES } from './cases';
import { CommonView, ConformanceAdapter, ConformanceCase, IMAGE_PATH, targetKey } from './harness';

const ADAPTERS: ConformanceAdapter[] = readdirSync(join(__dirname, 'adapters'))
  .filter((f) => f.endsWith('.ts'))
  .sort()
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  .flatMap((f) => (require(join(__dirname, 'adapters', f)) as { adapters: ConformanceAdapter[] }).adapters);

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

/** The view the spec itself implies on a backend with `a`'s capabilities. */
function expectedView(c: ConformanceCase, o: Outcome): Partial<CommonView> {
  const caps = o.adapter.capabilities;
  const r = SpecResolver.serving(o.spec, caps).throwIfInvalid(`expected view for ${o.adapter.backend}`);
  const g = r.guardrails;
  const rule: NameRule = caps.naming.labelValue;
  const identity: Record<string, string> = {};
  for (const [key, value] of Object.entries(r.tags)) if (key !== TAG_KEYS.managedBy) identity[key.slice('model-'.length)] = rule.sanitize(value);
  const view: Partial<CommonView> = {
    image: IMAGE_PATH,
    modelSignature: o.spec.model.signature,
    modelSource: o.spec.model.uri ?? 'local',
    environment: r.environment,
    minReplicas: r.minReplicas,
    maxReplicas: r.maxReplicas,
    scalingTargets: r.targets.map((t) => targetKey(t.metric, t.value)),
    identity,
    guardrails: [`errors>${g.maxErrorRatePercent}%`, `${g.latencyPercentile.name}>${g.maxLatency.toMilliseconds()}ms`, `window=${g.evaluationPeriod.toSeconds()}s`, `breaches=${g.breachingPeriods}`],
  };
  if (c.rollout) Object.assign(view, { rolloutWeights: c.rollout.steps.map((s) => s.trafficPercent) });
  if (c.budget) {
    const b = SpecResolver.budget(c.budget, caps).resolved;
    const notifyAt = new Set(b.alertThresholdsPercent);
    if (b.action !== BudgetAction.NOTIFY && b.enforceAtPercent !== undefined) notifyAt.add(b.enforceAtPercent);
    Object.assign(view, { budget: [`limit=${b.monthlyLimitUsd}`, `notifyAt=${[...notifyAt].sort((x, y) => x - y).join(',')}`, `action=${b.action}`] });
  }
  return view;
}

/** Variables whose default comes from the backend's capabilities, left out when comparing backends unless set. */
const CAPABILITY_DEFAULTS: Readonly<Record<string, string>> = {
  'server.maxRequestBodySize': 'MODEL_SERVER_MAX_REQUEST_BODY_BYTES',
  'server.grpc': 'MODEL_SERVER_GRPC_PORT',
};

function comparable(c: ConformanceCase, v: CommonView): Partial<CommonView> {
  const environment = { ...v.environment };
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
    expect({ ...view, guardrails: view.guardrails === undefined ? undefined : want.guardrails }).toEqual({ ...want, guardrails: view.guardrails === undefined ? undefined : want.guardrails });
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
