// Per-cloud GPU data lives with each backend (issue 18 item 4): lib/accelerator.ts keeps the cloud-neutral
// Accelerator (name, memory, node label, what Accelerator.of declared), constructs/aws|gcp|azure/accelerators.ts
// the tables. The values are the ones lib/accelerator.ts held before the move (main at 2b1f1a4): a refactor,
// so every backend must read exactly what it read before.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { Accelerator } from '../../lib';
import { EC2_GPU_FAMILIES, acceleratorForEc2Family, ec2FamiliesFor } from '../../constructs/aws';
import { azureVmSeriesFor } from '../../constructs/azure';
import { gcpAcceleratorTypeFor, gcpMachineFamiliesFor, gkeAcceleratorType, vertexAcceleratorType } from '../../constructs/gcp';
import { KarpenterGpuNodePool } from '../../constructs/k8s';

const ROOT = join(__dirname, '..', '..');
const { NVIDIA_T4: T4, NVIDIA_L4: L4, NVIDIA_A10G: A10G, NVIDIA_A100: A100, NVIDIA_H100: H100 } = Accelerator;

test('the backends read the values lib/accelerator.ts held before the move', () => {
  expect([T4, L4, A10G, A100, H100].map(ec2FamiliesFor)).toEqual([['g4dn'], ['g6', 'gr6'], ['g5'], ['p4d', 'p4de'], ['p5']]);
  expect([T4, L4, A10G, A100, H100].map(gcpAcceleratorTypeFor)).toEqual(['nvidia-tesla-t4', 'nvidia-l4', undefined, 'nvidia-tesla-a100', 'nvidia-h100-80gb']);
  expect([T4, L4, A10G, A100, H100].map(gcpMachineFamiliesFor)).toEqual([['n1'], ['g2'], [], ['a2'], ['a3']]);
  expect([T4, L4, A10G, A100, H100].map(azureVmSeriesFor)).toEqual([['NCasT4_v3'], [], [], ['NC_A100_v4', 'ND_A100_v4', 'ND_A100_v4_80GB'], ['NC_H100_v5', 'ND_H100_v5']]);
  expect(Object.keys(EC2_GPU_FAMILIES)).toEqual(Accelerator.KNOWN.map((a) => a.name));
  expect(acceleratorForEc2Family('gr6')).toBe(L4);
  expect(acceleratorForEc2Family('p4de')).toBe(A100);
});

test('lib/ holds no per-cloud GPU table: the constants declare nothing, and no lib file names an EC2 family, a GCP type or an Azure series', () => {
  for (const a of Accelerator.KNOWN) expect(a.declared).toEqual({});
  expect(Object.keys(Accelerator.NVIDIA_L4)).not.toEqual(expect.arrayContaining(['ec2Families']));
  const libFiles = readdirSync(join(ROOT, 'lib')).filter((f) => f.endsWith('.ts'));
  const hits = libFiles.filter((f) => /'g4dn'|'gr6'|'p4de'|nvidia-tesla|nvidia-h100-80gb|NCasT4_v3|ND_H100_v5/.test(readFileSync(join(ROOT, 'lib', f), 'utf8')));
  expect(hits).toEqual([]);
});

test('the AWS and Google Cloud tables are data only (lib/ imports), so the Kubernetes backend reads them without loading aws-cdk-lib or cdktf', () => {
  for (const cloud of ['aws', 'gcp']) {
    const imports = [...readFileSync(join(ROOT, 'constructs', cloud, 'accelerators.ts'), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['../../lib']);
  }
});

describe('Accelerator.of declares what a backend\'s table does not list', () => {
  const l40s = Accelerator.of('NVIDIA_L40S', { memoryGiB: 48, ec2Families: ['g6e'], gcpAcceleratorType: 'nvidia-l40s', gcpMachineFamilies: ['g4'], azureVmSeries: ['NVL40S_v1'] });

  test('each backend reads its own entry', () => {
    expect(ec2FamiliesFor(l40s)).toEqual(['g6e']);
    expect(gcpAcceleratorTypeFor(l40s)).toBe('nvidia-l40s');
    expect(gkeAcceleratorType(l40s)).toBe('nvidia-l40s');
    expect(vertexAcceleratorType(l40s)).toBe('NVIDIA_L40S');
    expect(gcpMachineFamiliesFor(l40s)).toEqual(['g4']);
    expect(azureVmSeriesFor(l40s)).toEqual(['NVL40S_v1']);
    expect(acceleratorForEc2Family('g6e')).toBeUndefined();
  });

  test('nothing declared: no families, no Google Cloud type', () => {
    const bare = Accelerator.of('NVIDIA_B200');
    expect([ec2FamiliesFor(bare), gcpAcceleratorTypeFor(bare), gcpMachineFamiliesFor(bare), azureVmSeriesFor(bare)]).toEqual([[], undefined, [], []]);
  });

  test('a known name returns the constant: the table wins over what the call declares', () => {
    expect(ec2FamiliesFor(Accelerator.of('NVIDIA_L4', { ec2Families: ['g6e'] }))).toEqual(['g6', 'gr6']);
  });

  test('the Karpenter pool constrains a declared GPU to its declared EC2 families', () => {
    const chart = Testing.chart();
    new KarpenterGpuNodePool(chart, 'Pool', { accelerator: l40s, maxGpus: 2 });
    const pool = Testing.synth(chart).find((d) => d.kind === 'NodePool');
    expect(pool.spec.template.spec.requirements).toContainEqual({ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['g6e'] });
  });
});
