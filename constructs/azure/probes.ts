import { Duration, ProblemCollector, describe } from '../../lib';
import { ProbeInput } from './azapi/arm-bodies';

/** Health probe settings (Azure ML's liveness and readiness probes). */
export interface ProbeOptions {
  /** Wait before the first probe. @default Duration.seconds(10) */
  readonly initialDelay?: Duration;
  /** Between probes. @default Duration.seconds(10) */
  readonly period?: Duration;
  /** Per probe. @default Duration.seconds(2) */
  readonly timeout?: Duration;
  /** Failed probes before Azure acts. @default 30 */
  readonly failureThreshold?: number;
}

/** Probe settings after defaults, checked; Azure ML probes the server's health routes with them. */
export function resolveProbes(p: ProbeOptions, problems: ProblemCollector): ProbeInput {
  const initialDelay = p.initialDelay ?? Duration.seconds(10);
  const period = p.period ?? Duration.seconds(10);
  const timeout = p.timeout ?? Duration.seconds(2);
  const failureThreshold = p.failureThreshold ?? 30;
  for (const [field, d] of [['probes.initialDelay', initialDelay], ['probes.period', period], ['probes.timeout', timeout]] as const) {
    const s = d.toSeconds();
    if (!(Number.isInteger(s) && s >= (field === 'probes.initialDelay' ? 0 : 1) && s <= 3600)) {
      problems.add({ field, given: d.toString(), allowed: 'whole seconds up to 1 hour', fix: 'e.g. Duration.seconds(10)' });
    }
  }
  if (timeout.toSeconds() >= period.toSeconds()) {
    problems.add({ field: 'probes.timeout', given: `${timeout.toString()} with period ${period.toString()}`, allowed: 'shorter than the period', fix: 'e.g. Duration.seconds(2) with a 10 s period' });
  }
  if (!(Number.isInteger(failureThreshold) && failureThreshold >= 1 && failureThreshold <= 100)) {
    problems.add({ field: 'probes.failureThreshold', given: describe(failureThreshold), allowed: 'an integer from 1 to 100', fix: 'e.g. 30' });
  }
  return {
    initialDelayMs: initialDelay.toMilliseconds(),
    periodMs: period.toMilliseconds(),
    timeoutMs: timeout.toMilliseconds(),
    failureThreshold,
    successThreshold: 1,
  };
}
