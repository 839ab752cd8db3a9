import { Construct } from 'constructs';
import { Annotations, TerraformStack } from 'cdktf';
import {
  ArtifactStorage,
  NameRule,
  ProblemCollector,
  SERVER_ENV,
  describe,
  isUnresolved,
  refusal,
} from '../../lib';
import { ProbeInput } from './azapi/arm-bodies';
import { AZURE_ML_CAPABILITIES } from './capabilities';
import { checkDeploymentNetwork } from './endpoint-network';
import { AzureMlInstance, checkAzureMlInstance } from './instance-types';
import type { ModelEndpointProps } from './model-endpoint';
import { resolveProbes } from './probes';
import { ARM_ID_TYPES, addEndpointNameCheck, checkArmId, checkLocation, checkResourceGroupName } from './validation';
import { WorkspaceSource, checkNewWorkspaceOptions } from './workspace';

/** What the Azure ML ModelEndpoint's own checks settle. */
export interface CheckedEndpointProps {
  /** The VM size and its GPUs; undefined where it could not be checked. */
  readonly instance?: AzureMlInstance;
  /** `workspace`, or a new one. */
  readonly workspace: WorkspaceSource;
  readonly endpointName: string;
  readonly deploymentName: string;
  readonly probes: ProbeInput;
  /** `maxConcurrentRequestsPerInstance`, or twice the server's maxBatchSize. */
  readonly maxConcurrent: number;
}

/**
 * The Azure ML ModelEndpoint's own checks (the shared spec's are in lib/resolve-serving.ts), with the values they
 * settle: VM size and GPU, model and workspace, the network combination (endpoint-network.ts), location, resource
 * group and ARM ids, endpoint and deployment names (unique per region across the app, checked at synth), probes, autoscale cooldowns and concurrency.
 */
export function checkEndpointProps(scope: Construct, props: ModelEndpointProps, problems: ProblemCollector): CheckedEndpointProps {
  const instance = checkAzureMlInstance(props.instanceType, props.accelerator, props.acceleratorCount, problems, {
    location: props.location,
    acceptUncatalogued: props.acceptUncataloguedInstanceType,
    warn: (m) => Annotations.of(scope).addWarning(m),
  });
  const workspace = props.workspace ?? WorkspaceSource.create();
  checkModel(props, workspace, problems);
  if (workspace.create) checkNewWorkspaceOptions(workspace.create, problems, 'workspace');
  checkDeploymentNetwork(props, workspace, problems);
  checkLocation(scope, 'location', props.location, problems);
  checkResourceGroupName('resourceGroupName', props.resourceGroupName, problems);
  checkArmId('imageRegistryId', props.imageRegistryId, ARM_ID_TYPES.containerRegistry, problems);
  checkArmId('modelStorageAccountId', props.modelStorageAccountId, ARM_ID_TYPES.storageAccount, problems);
  checkArmId('workspace', workspace.workspaceId, ARM_ID_TYPES.mlWorkspace, problems);
  checkArmId('workspace.logAnalyticsWorkspaceId', workspace.existing.logAnalyticsWorkspaceId, ARM_ID_TYPES.logAnalyticsWorkspace, problems);
  checkArmId('workspace.containerRegistryId', workspace.existing.containerRegistryId ?? workspace.create?.containerRegistryId, ARM_ID_TYPES.containerRegistry, problems);
  (props.alertActionGroupIds ?? []).forEach((id, i) => checkArmId(`alertActionGroupIds[${i}]`, id, ARM_ID_TYPES.actionGroup, problems));
  (props.keyVaultIds ?? []).forEach((id, i) => checkArmId(`keyVaultIds[${i}]`, id, ARM_ID_TYPES.keyVault, problems));
  const nameRule = NameRule.AZURE_ML_ENDPOINT;
  // Endpoint names are unique per Azure region, across subscriptions: the hash comes from the stack and path.
  const endpointName = props.endpointName ?? nameRule.generate(props.metadata.name, `${TerraformStack.of(scope).node.id}/${scope.node.path}`);
  const deploymentName = props.deploymentName ?? 'main';
  // Endpoint names are unique per region, across the app's stacks: checked at synth (validation.ts), both named.
  addEndpointNameCheck(scope, `ModelEndpoint ${scope.node.path}`, endpointName, props.location);
  for (const [field, value, fix] of [
    ['endpointName', endpointName, 'e.g. "fraud-classifier-prod" (unique per Azure region)'],
    ['deploymentName', deploymentName, 'e.g. "main"'],
  ] as const) {
    const p = nameRule.problem(field, value, fix);
    if (p) problems.add(p);
  }
  const probes = resolveProbes(props.probes ?? {}, problems);
  for (const field of ['scaleInCooldown', 'scaleOutCooldown'] as const) {
    const d = props.scaling?.[field];
    if (d && d.toSeconds() < 60) {
      problems.add(refusal(AZURE_ML_CAPABILITIES, `scaling.${field}`, d.toString(), 'at least 1 minute (Azure Monitor autoscale cooldowns)', 'use Duration.minutes(1) or more'));
    }
  }
  const maxConcurrent = props.maxConcurrentRequestsPerInstance ?? 2 * (props.server?.maxBatchSize ?? SERVER_ENV.maxBatchSize.default);
  if (!isUnresolved(maxConcurrent) && !(Number.isInteger(maxConcurrent) && maxConcurrent >= 1 && maxConcurrent <= 1000)) {
    problems.add({ field: 'maxConcurrentRequestsPerInstance', given: describe(maxConcurrent), allowed: 'an integer from 1 to 1000', fix: 'about twice the server\'s maxBatchSize keeps batches full without queueing in Azure' });
  }
  return { instance, workspace, endpointName, deploymentName, probes, maxConcurrent };
}

/** What the capabilities cannot say: a local file needs somewhere to upload it. */
export function checkModel(props: ModelEndpointProps, workspace: WorkspaceSource, problems: ProblemCollector): void {
  const m = props.model;
  if (m.storage === ArtifactStorage.LOCAL_FILE && workspace.workspaceId && !workspace.existing.modelContainer) {
    problems.add({ field: 'model', given: `a local file (${m.toString()}) with an existing workspace and no modelContainer`, allowed: 'a local file only with WorkspaceSource.create() or WorkspaceSource.fromId(id, { modelContainer })', fix: 'pass modelContainer: { storageAccountId, storageAccountName, containerName }, or use ModelArtifact.fromUri(blob URI)' });
  }
}

