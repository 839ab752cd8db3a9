/** Whether GPU nodes are on-demand or spot, on every backend that manages nodes. Enum-like. */
export enum CapacityType {
  ON_DEMAND = 'ON_DEMAND',
  /** Cheaper, reclaimable at short notice: list several sizes so the platform can diversify. */
  SPOT = 'SPOT',
}
