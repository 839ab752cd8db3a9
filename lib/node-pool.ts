import { NODE_SCHEDULING } from './contract';
import { ProblemCollector, describe, isUnresolved } from './errors';
import { Size } from './units';

/** Whether GPU nodes are on-demand or spot, on every backend that manages nodes. Enum-like. */
export enum CapacityType {
  ON_DEMAND = 'ON_DEMAND',
  /** Cheaper, reclaimable at short notice: list several sizes so the platform can diversify. */
  SPOT = 'SPOT',
}

/**
 * What a backend's GPU node pool accepts, beside its own machine checks: the node-count ceiling, the boot
 * disk range and the label prefixes the platform reserves. Each backend's data lives in its capabilities.ts.
 */
export interface NodePoolCapabilities {
  /** The backend's name, for the messages (e.g. `EKS`, `GKE`, `AKS`). */
  readonly backend: string;
  /** Most nodes a pool may have. @default - no ceiling checked */
  readonly maxNodesLimit?: number;
  /** Boot disk size range, whole GiB, and why. @default - disk size not configurable */
  readonly diskGiB?: { readonly min: number; readonly max: number; readonly note: string };
  /** Label key prefixes the platform owns (besides the accelerator label). @default - none */
  readonly reservedLabelPrefixes?: readonly string[];
}

/** The sizing fields every GPU node pool shares. */
export interface NodePoolSizing {
  readonly minNodes?: number;
  readonly maxNodes?: number;
  readonly diskSize?: Size;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The node pool checks written once: node counts, disk size, labels. Adds every problem to `c` and returns
 * the counts with their defaults (0 to `max(minNodes, 2)`) and the disk size in GiB (100 by default).
 */
export function checkNodePoolSizing(props: NodePoolSizing, caps: NodePoolCapabilities, c: ProblemCollector): { minNodes: number; maxNodes: number; diskGiB: number } {
  const minNodes = props.minNodes ?? 0;
  const maxNodes = props.maxNodes ?? Math.max(minNodes, 2);
  const limit = caps.maxNodesLimit;
  if (!isUnresolved(minNodes) && !(Number.isInteger(minNodes) && minNodes >= 0)) {
    c.add({ field: 'minNodes', given: describe(minNodes), allowed: 'an integer of 0 or more', fix: 'e.g. 0 to let the pool empty out' });
  }
  if (!isUnresolved(maxNodes) && !isUnresolved(minNodes) && !(Number.isInteger(maxNodes) && maxNodes >= 1 && maxNodes >= minNodes && (limit === undefined || maxNodes <= limit))) {
    c.add({
      field: 'maxNodes',
      given: `${describe(maxNodes)} with minNodes ${describe(minNodes)}`,
      allowed: limit === undefined ? 'an integer of at least 1 and at least minNodes' : `an integer from max(1, minNodes) to ${limit} (${caps.backend})`,
      fix: `raise maxNodes to at least ${Math.max(1, minNodes)}${limit === undefined ? '' : ` (at most ${limit})`}`,
    });
  }
  const diskGiB = (props.diskSize ?? Size.gibibytes(100)).toGibibytes();
  const disk = caps.diskGiB;
  if (disk && !(Number.isInteger(diskGiB) && diskGiB >= disk.min && diskGiB <= disk.max)) {
    c.add({ field: 'diskSize', given: `${diskGiB} GiB`, allowed: `whole GiB from ${disk.min} to ${disk.max}${disk.note ? ` (${disk.note})` : ''}; GPU images and drivers need room`, fix: 'e.g. Size.gibibytes(100)' });
  }
  const reserved = caps.reservedLabelPrefixes ?? [];
  for (const key of Object.keys(props.labels ?? {})) {
    if (key === NODE_SCHEDULING.acceleratorLabel || reserved.some((p) => key.startsWith(p))) {
      c.add({
        field: `labels.${key}`,
        given: describe(props.labels![key]),
        allowed: `any key but ${NODE_SCHEDULING.acceleratorLabel} (set from accelerator)${reserved.length ? ` and ${reserved.map((p) => `${p}*`).join(', ')} (${caps.backend}'s own)` : ''}`,
        fix: 'remove it; change accelerator instead of the accelerator label',
      });
    }
  }
  return { minNodes, maxNodes, diskGiB };
}
