import { SpecProblem, describe } from './errors';
import { Duration } from './units';

/** A latency percentile. Enum-like: use the constants. */
export class LatencyPercentile {
  public static readonly P50 = new LatencyPercentile('p50', 0.5);
  public static readonly P90 = new LatencyPercentile('p90', 0.9);
  public static readonly P95 = new LatencyPercentile('p95', 0.95);
  public static readonly P99 = new LatencyPercentile('p99', 0.99);
  public static readonly P99_9 = new LatencyPercentile('p99.9', 0.999);

  /** Every percentile, lowest first. */
  public static readonly ALL: LatencyPercentile[] = [
    LatencyPercentile.P50, LatencyPercentile.P90, LatencyPercentile.P95, LatencyPercentile.P99, LatencyPercentile.P99_9,
  ];

  private constructor(
    /** Short name, e.g. `p95` (also CloudWatch's extended-statistic spelling). */
    public readonly name: string,
    /** The quantile, e.g. 0.95 (Prometheus `histogram_quantile`). */
    public readonly quantile: number,
  ) {}

  public toString(): string {
    return this.name;
  }
}

/**
 * The service-level signals an endpoint is held to: error rate and latency at a chosen percentile. One type
 * for both uses: an endpoint's alarms and a rollout's automatic rollback. A rollout without its own
 * guardrails uses the endpoint's, and a backend then reuses the endpoint's alarms instead of adding copies.
 */
export interface GuardrailOptions {
  /** Breach when more than this percent of requests fail with a server error (5XX). @default 1 */
  readonly maxErrorRatePercent?: number;
  /** Breach when latency at `latencyPercentile` exceeds this. @default Duration.seconds(1) */
  readonly maxLatency?: Duration;
  /** Which latency percentile is watched. @default LatencyPercentile.P99 */
  readonly latencyPercentile?: LatencyPercentile;
  /** Length of one evaluation window. @default Duration.minutes(1) */
  readonly evaluationPeriod?: Duration;
  /** Consecutive breaching windows before the alarm fires (or the rollout rolls back). @default 3 */
  readonly breachingPeriods?: number;
}

/** Guardrails after defaults. */
export interface ResolvedGuardrails {
  readonly maxErrorRatePercent: number;
  readonly maxLatency: Duration;
  readonly latencyPercentile: LatencyPercentile;
  readonly evaluationPeriod: Duration;
  readonly breachingPeriods: number;
}

export const GUARDRAIL_DEFAULTS: ResolvedGuardrails = {
  maxErrorRatePercent: 1,
  maxLatency: Duration.seconds(1),
  latencyPercentile: LatencyPercentile.P99,
  evaluationPeriod: Duration.minutes(1),
  breachingPeriods: 3,
};

/** Applies defaults and validates; `prefix` is the dotted path of the options, e.g. `guardrails`. */
export function resolveGuardrails(options: GuardrailOptions | undefined, prefix: string, problems: SpecProblem[]): ResolvedGuardrails {
  const o = options ?? {};
  const g: ResolvedGuardrails = {
    maxErrorRatePercent: o.maxErrorRatePercent ?? GUARDRAIL_DEFAULTS.maxErrorRatePercent,
    maxLatency: o.maxLatency ?? GUARDRAIL_DEFAULTS.maxLatency,
    latencyPercentile: o.latencyPercentile ?? GUARDRAIL_DEFAULTS.latencyPercentile,
    evaluationPeriod: o.evaluationPeriod ?? GUARDRAIL_DEFAULTS.evaluationPeriod,
    breachingPeriods: o.breachingPeriods ?? GUARDRAIL_DEFAULTS.breachingPeriods,
  };
  if (!(g.maxErrorRatePercent > 0 && g.maxErrorRatePercent <= 100)) {
    problems.push({ field: `${prefix}.maxErrorRatePercent`, given: describe(g.maxErrorRatePercent), allowed: 'above 0 and at most 100', fix: 'e.g. 1 breaches above 1% server errors' });
  }
  if (g.maxLatency.toMilliseconds() < 1) {
    problems.push({ field: `${prefix}.maxLatency`, given: g.maxLatency.toString(), allowed: 'at least 1 ms', fix: `set it above the model's normal ${g.latencyPercentile.name}, e.g. Duration.millis(500)` });
  }
  const period = g.evaluationPeriod.toSeconds();
  if (!(Number.isInteger(period) && period >= 10 && period <= 3600)) {
    problems.push({ field: `${prefix}.evaluationPeriod`, given: g.evaluationPeriod.toString(), allowed: 'whole seconds from 10 s to 1 hour', fix: 'use Duration.minutes(1)' });
  }
  if (!(Number.isInteger(g.breachingPeriods) && g.breachingPeriods >= 1 && g.breachingPeriods <= 60)) {
    problems.push({ field: `${prefix}.breachingPeriods`, given: describe(g.breachingPeriods), allowed: 'an integer from 1 to 60', fix: 'use 2 or 3 to ride out one noisy window' });
  }
  return g;
}

/** True when two guardrails watch the same signals with the same thresholds, so one set of alarms serves both. */
export function sameGuardrails(a: ResolvedGuardrails, b: ResolvedGuardrails): boolean {
  return a.maxErrorRatePercent === b.maxErrorRatePercent &&
    a.maxLatency.toMilliseconds() === b.maxLatency.toMilliseconds() &&
    a.latencyPercentile === b.latencyPercentile &&
    a.evaluationPeriod.toSeconds() === b.evaluationPeriod.toSeconds() &&
    a.breachingPeriods === b.breachingPeriods;
}
