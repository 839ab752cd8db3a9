import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { RoleDefinition } from '@cdktf/provider-azurerm/lib/role-definition';
import { Construct } from 'constructs';
import { LatencyPercentile, ProblemCollector, isUnresolved } from '../../lib';
import { checkGuid } from './validation';
import { latencyMetricName } from './capabilities';
import { AzureMetric, ENDPOINT_METRIC_NAMESPACE, MetricOptions, withOptions } from './metrics';
import type { IModelEndpoint, PrincipalType } from './model-endpoint';
import { shortHash } from './names';

/** The endpoint's score action: the only permission `grantScore` hands out. */
export const SCORE_ACTION = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action';

/**
 * What an Azure ML endpoint offers, created here or imported: grants and metrics. Not part of the public surface
 * (constructs/azure/index.ts does not export it; jsii erases it from ModelEndpoint's ancestry).
 * @internal
 */
export abstract class EndpointBase extends Construct implements IModelEndpoint {
  public abstract readonly endpointName: string;
  public abstract readonly endpointId: string;
  public abstract readonly resourceGroupName: string;
  public abstract readonly location: string;
  private scoreRole?: RoleDefinition;
  private readonly invokeGrants = new Map<string, RoleAssignment>();

  public grantInvoke(principalId: string, principalType?: PrincipalType): RoleAssignment {
    // A literal principal id names its grant (granting it twice returns the first); a token gets the next number.
    const key = isUnresolved(principalId) ? `#${this.invokeGrants.size}` : principalId;
    const existing = this.invokeGrants.get(key);
    if (existing) return existing;
    const grant = this.grantScore(isUnresolved(principalId) ? `Invoke${this.invokeGrants.size}` : `Invoke${shortHash(principalId).slice(0, 8)}`, principalId, principalType);
    this.invokeGrants.set(key, grant);
    return grant;
  }

  public metricLatency(options?: MetricOptions): AzureMetric {
    return this.metricRequestLatency(LatencyPercentile.P99, options);
  }

  public grantScore(id: string, principalId: string, principalType?: PrincipalType): RoleAssignment {
    const problems = new ProblemCollector();
    checkGuid('principalId', principalId, 'the Entra object id of the principal', problems);
    problems.reportTo(this, `ModelEndpoint ${this.node.path} grantScore('${id}')`);
    if (!this.scoreRole) {
      const client = new DataAzurermClientConfig(this, 'ScoreRoleClient', {});
      // Custom roles are defined at a resource group (Azure allows no narrower assignable scope); the
      // assignment below is on this endpoint only.
      const resourceGroupId = `/subscriptions/${client.subscriptionId}/resourceGroups/${this.resourceGroupName}`;
      this.scoreRole = new RoleDefinition(this, 'ScoreRole', {
        name: `Score ${this.endpointName} (${shortHash(this.node.path).slice(0, 8)})`,
        scope: resourceGroupId,
        description: `Score the Azure ML online endpoint ${this.endpointName}; nothing else.`,
        permissions: [{ actions: [SCORE_ACTION] }],
        assignableScopes: [resourceGroupId],
      });
    }
    return new RoleAssignment(this, `Score${id}`, {
      scope: this.endpointId,
      roleDefinitionId: this.scoreRole.roleDefinitionResourceId,
      principalId,
      ...(principalType !== undefined ? { principalType } : {}),
      description: `Score ${this.endpointName}`,
    });
  }

  public metric(metricName: string, options?: MetricOptions): AzureMetric {
    return withOptions({ resourceId: this.endpointId, namespace: ENDPOINT_METRIC_NAMESPACE, metricName, aggregation: 'Average', unit: 'unspecified' }, options);
  }
  public metricRequestLatency(percentile: LatencyPercentile = LatencyPercentile.P99, options?: MetricOptions): AzureMetric {
    return { ...this.metric(latencyMetricName(percentile), options), unit: 'milliseconds' };
  }
  public metricRequestsPerMinute(options?: MetricOptions): AzureMetric {
    return { ...this.metric('RequestsPerMinute', options), unit: 'count' };
  }
}

