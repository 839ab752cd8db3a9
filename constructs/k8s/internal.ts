import { ApiObject, ApiObjectProps } from 'cdk8s';
import { Construct } from 'constructs';
import { Duration, ResolvedServing, Size, TAG_KEYS } from '../../lib';
import { LABELS } from './names';

/** Metadata every object of an endpoint carries. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels: Record<string, string>;
}

/** Creates a cdk8s ApiObject from a manifest typed against its schema (see k8s-schema.d.ts). */
export function typedApiObject<T extends { readonly apiVersion: string; readonly kind: string }>(scope: Construct, id: string, manifest: T): ApiObject {
  return new ApiObject(scope, id, manifest as unknown as ApiObjectProps);
}

/** Model metadata as Kubernetes labels under the model-serving.dev/ prefix. */
export function metadataLabels(resolved: ResolvedServing): Record<string, string> {
  const t = resolved.tags;
  const labels: Record<string, string> = {
    [LABELS.name]: t[TAG_KEYS.name],
    [LABELS.version]: t[TAG_KEYS.version],
    [LABELS.owner]: t[TAG_KEYS.owner],
  };
  if (t[TAG_KEYS.framework]) labels[LABELS.framework] = t[TAG_KEYS.framework];
  if (t[TAG_KEYS.trainedOn]) labels[LABELS.trainedOn] = t[TAG_KEYS.trainedOn];
  labels[LABELS.managedBy] = t[TAG_KEYS.managedBy];
  return labels;
}

/** CPU cores as a Kubernetes quantity: 0.5 -> "500m", 2 -> "2". */
export function cpuQuantity(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

/** Bytes as a Kubernetes quantity in the largest binary unit that divides them. */
export function memoryQuantity(size: Size): string {
  const bytes = size.toBytes();
  for (const [unit, factor] of [['Ti', 1024 ** 4], ['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) {
    if (bytes % factor === 0 && bytes >= factor) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

/** Scrape intervals a rate window spans at least, so rate() always sees several samples (Grafana's $__rate_interval rule). */
export const RATE_WINDOW_SCRAPES = 4;

/** The PromQL range for rate() over `evaluationPeriod`: at least RATE_WINDOW_SCRAPES scrape intervals. */
export function rateWindow(evaluationPeriod: Duration, scrapeInterval: Duration): string {
  return `${Math.max(evaluationPeriod.toSeconds(), RATE_WINDOW_SCRAPES * scrapeInterval.toSeconds())}s`;
}

/** Kubernetes object names: DNS-1123 label, at most 63 characters. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

