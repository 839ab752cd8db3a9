// The Azure side of each GPU: the VM series that carry it, read from the one VM-size catalogue
// (instance-types.ts, AZURE_ML_GPU_SIZES), not a second table.
import { Accelerator } from '../../lib';
import { AZURE_ML_GPU_SIZES } from './instance-types';

/**
 * Azure VM series that carry `accelerator` (e.g. `NCasT4_v3` for T4), in catalogue order: the series of the
 * catalogue's sizes with that GPU, or what `Accelerator.of(name, { azureVmSeries })` declared for a GPU the
 * catalogue does not list. Empty where Azure ML offers the GPU on no size (L4, A10G).
 */
export function azureVmSeriesFor(accelerator: Accelerator): string[] {
  const series = [...new Set(Object.values(AZURE_ML_GPU_SIZES).filter((s) => s.accelerator === accelerator.name).map((s) => s.series))];
  return series.length > 0 ? series : [...(accelerator.declared.azureVmSeries ?? [])];
}
