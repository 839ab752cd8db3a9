// The node-pool checks written once (lib/node-pool.ts checkNodePoolSizing), driven by each backend's
// NodePoolCapabilities (the values live in constructs/<backend>/capabilities.ts).
import { Accelerator, NODE_SCHEDULING, ProblemCollector, Size, SpecValidationError } from '../../lib';
import { checkNodePoolSizing } from '../../lib/backend';
import { EKS_NODE_POOL_CAPABILITIES } from '../../constructs/aws/capabilities';
import { GKE_NODE_POOL_CAPABILITIES } from '../../constructs/gcp/capabilities';
import { AKS_NODE_POOL_CAPABILITIES } from '../../constructs/azure/capabilities';

describe('checkNodePoolSizing', () => {
  test('defaults: 0 to 2 nodes, 100 GiB', () => {
    const c = new ProblemCollector();
    expect(checkNodePoolSizing({}, GKE_NODE_POOL_CAPABILITIES, c)).toEqual({ minNodes: 0, maxNodes: 2, diskGiB: 100 });
    expect(c.count).toBe(0);
  });

  test('every problem at once, with the backend\'s limits', () => {
    const c = new ProblemCollector();
    checkNodePoolSizing({ minNodes: -1, maxNodes: 1001, diskSize: Size.gibibytes(10), labels: { [NODE_SCHEDULING.acceleratorLabel]: Accelerator.NVIDIA_L4.nodeLabelValue } }, GKE_NODE_POOL_CAPABILITIES, c);
    expect(() => c.throwIfAny('GpuNodePool p')).toThrow(SpecValidationError);
    expect(c.list().map((p) => p.field)).toEqual(['minNodes', 'maxNodes', 'diskSize', `labels.${NODE_SCHEDULING.acceleratorLabel}`]);
    expect(c.list()[1].allowed).toBe('an integer from max(1, minNodes) to 1000 (GKE)');
    expect(c.list()[2].allowed).toMatch(/^whole GiB from 50 to 65536; /);
  });

  test('EKS has no node ceiling checked and a gp3 disk range; AKS reserves kubernetes.azure.com/ labels and has no disk field', () => {
    const eks = new ProblemCollector();
    checkNodePoolSizing({ maxNodes: 5000, diskSize: Size.gibibytes(20) }, EKS_NODE_POOL_CAPABILITIES, eks);
    expect(eks.count).toBe(0);
    const aks = new ProblemCollector();
    checkNodePoolSizing({ minNodes: 3, maxNodes: 2, diskSize: Size.gibibytes(1), labels: { 'kubernetes.azure.com/scalesetpriority': 'spot' } }, AKS_NODE_POOL_CAPABILITIES, aks);
    expect(aks.list().map((p) => `${p.field}: ${p.given}`)).toEqual(['maxNodes: 2 with minNodes 3', 'labels.kubernetes.azure.com/scalesetpriority: "spot"']);
  });
});
