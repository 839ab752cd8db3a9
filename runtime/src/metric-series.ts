/**
 * Labelled series of prom-client metrics, bound once instead of named by a label object on every call.
 *
 * prom-client 15 validates and hashes the label object on every `inc`/`observe`/`set`, and its own
 * `metric.labels(...)` children only bind the object and validate it again on each call (lib/counter.js
 * `labels`, lib/histogram.js `observe`): about 1 us per call, ten calls per request. A bound series computes
 * its key once, the way prom-client keys `metric.hashMap` (util.js `hashObject`: `name:value,` for each
 * label in sorted name order), and afterwards updates that entry in place, exactly as prom-client would.
 * Whenever the entry is not there (the first call, after `reset()` or `remove()`, or a value prom-client
 * would refuse) the call goes through prom-client's own method, which creates the entry or throws; so the
 * scraped text is what the plain calls would have produced (test/metric-series.test.ts compares the two).
 */
import type { Counter, Gauge, Histogram } from 'prom-client';

type Labels = Readonly<Record<string, string>>;
interface ValueEntry {
  value: number;
}
interface HistogramEntry {
  sum: number;
  count: number;
  bucketValues: Record<string, number>;
}
/** The fields of a prom-client metric that a bound series reads (lib/metric.js, lib/histogram.js). */
interface Internals<E> {
  hashMap: Record<string, E | undefined>;
  sortedLabelNames: readonly string[];
  upperBounds?: readonly number[];
}

/** prom-client's key of a label set in `hashMap` (lib/util.js fastHashObject over sortedLabelNames). */
export function seriesKey(sortedLabelNames: readonly string[], labels: Labels): string {
  let key = '';
  for (const name of sortedLabelNames) {
    const value = labels[name];
    if (value !== undefined) key += `${name}:${value},`;
  }
  return key;
}

function internals<E>(metric: object): Internals<E> {
  return metric as unknown as Internals<E>;
}

export class CounterSeries {
  private readonly key: string;
  constructor(
    private readonly metric: Counter<string>,
    private readonly labels: Labels,
  ) {
    this.key = seriesKey(internals(metric).sortedLabelNames, labels);
  }

  inc(value = 1): void {
    const entry = internals<ValueEntry>(this.metric).hashMap[this.key];
    if (entry !== undefined && value >= 0 && Number.isFinite(value)) entry.value += value;
    else this.metric.inc(this.labels, value);
  }
}

export class GaugeSeries {
  private readonly key: string;
  constructor(
    private readonly metric: Gauge<string>,
    private readonly labels: Labels,
  ) {
    this.key = seriesKey(internals(metric).sortedLabelNames, labels);
  }

  set(value: number): void {
    const entry = internals<ValueEntry>(this.metric).hashMap[this.key];
    if (entry !== undefined && typeof value === 'number') entry.value = value;
    else this.metric.set(this.labels, value);
  }

  inc(value = 1): void {
    const entry = internals<ValueEntry>(this.metric).hashMap[this.key];
    if (entry !== undefined && typeof value === 'number') entry.value += value;
    else this.metric.inc(this.labels, value);
  }

  dec(value = 1): void {
    const entry = internals<ValueEntry>(this.metric).hashMap[this.key];
    if (entry !== undefined && typeof value === 'number') entry.value -= value;
    else this.metric.dec(this.labels, value);
  }
}

export class HistogramSeries {
  private readonly key: string;
  private readonly bounds: readonly number[];
  /** The property names prom-client's bucketValues uses for each bound (a number as a property key). */
  private readonly bucketKeys: readonly string[];
  constructor(
    private readonly metric: Histogram<string>,
    private readonly labels: Labels,
  ) {
    const m = internals<HistogramEntry>(metric);
    this.key = seriesKey(m.sortedLabelNames, labels);
    this.bounds = m.upperBounds ?? [];
    this.bucketKeys = this.bounds.map(String);
  }

  observe(value: number): void {
    const entry = internals<HistogramEntry>(this.metric).hashMap[this.key];
    if (entry === undefined || !Number.isFinite(value)) {
      this.metric.observe(this.labels, value);
      return;
    }
    entry.sum += value;
    entry.count += 1;
    // The first bucket whose upper bound is at least the value (lib/histogram.js findBound); above the last
    // bound only the count and sum move (+Inf is the count).
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        entry.bucketValues[this.bucketKeys[i]!]! += 1;
        return;
      }
    }
  }
}

/**
 * Bound series looked up by their label values, made on first use. The label values come from bounded sets
 * (the repository's models, the routes, status codes); past `limit` series the calls go to prom-client
 * unbound, so a label that turned out unbounded costs time, not memory.
 */
export class SeriesTable<S> {
  private readonly table = new Map<string, S>();
  constructor(
    private readonly make: (labels: Labels) => S,
    private readonly limit = 4096,
  ) {}

  /** The series of `labels`; `key` must name the label values uniquely (e.g. joined with \u0000). */
  get(key: string, labels: Labels): S {
    let series = this.table.get(key);
    if (series === undefined) {
      series = this.make(labels);
      if (this.table.size < this.limit) this.table.set(key, series);
    }
    return series;
  }

  /** The series of `key` when it was made before; callers build the labels only when it was not. */
  find(key: string): S | undefined {
    return this.table.get(key);
  }
}
