import { createHash } from 'node:crypto';
import { ApplicationInsightsWorkbook } from '@cdktf/provider-azurerm/lib/application-insights-workbook';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { Lazy } from 'cdktf';
import { ReplicaPrice, ResolvedGuardrails } from '../../lib';
import { azureWorkbook } from './dashboard';
import { GuardrailAlerts } from './guardrail-alerts';
import type { ModelEndpoint, ModelEndpointProps } from './model-endpoint';
import { WorkspaceSource } from './workspace';

/** The endpoint's traffic logs, guardrail alerts and workbook. */
export interface EndpointAlarms {
  readonly logAnalyticsWorkspaceId: string;
  readonly alerts: GuardrailAlerts;
  readonly dashboard?: ApplicationInsightsWorkbook;
}

/**
 * Traffic logs (AmlOnlineEndpointTrafficLog) to the workspace's Log Analytics workspace (the created workspace's,
 * the existing one's, or a new one), the guardrail alerts on them (guardrail-alerts.ts), and the Azure Monitor
 * workbook (`dashboard: true`).
 */
export function addGuardrailAlerts(endpoint: ModelEndpoint, props: ModelEndpointProps, workspace: WorkspaceSource,
  guardrails: ResolvedGuardrails, price: ReplicaPrice | undefined): EndpointAlarms {
  const { endpointName, tags } = endpoint;
  // Traffic logs feed the guardrail alerts (see guardrail-alerts.ts).
  let logAnalyticsWorkspaceId: string;
  if (endpoint.secureWorkspace) {
    logAnalyticsWorkspaceId = endpoint.secureWorkspace.logAnalytics.id;
  } else if (workspace.existing.logAnalyticsWorkspaceId) {
    logAnalyticsWorkspaceId = workspace.existing.logAnalyticsWorkspaceId;
  } else {
    logAnalyticsWorkspaceId = new LogAnalyticsWorkspace(endpoint, 'Logs', {
      name: `${endpointName}-logs`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      sku: 'PerGB2018',
      retentionInDays: 30,
      tags,
    }).id;
  }
  new MonitorDiagnosticSetting(endpoint, 'TrafficLogs', {
    name: 'traffic-logs',
    targetResourceId: endpoint.endpoint.id,
    logAnalyticsWorkspaceId,
    logAnalyticsDestinationType: 'Dedicated',
    enabledLog: [{ category: 'AmlOnlineEndpointTrafficLog' }],
  });

  const alerts = new GuardrailAlerts(endpoint, 'Alerts', {
    namePrefix: endpointName,
    resourceGroupName: props.resourceGroupName,
    location: props.location,
    logAnalyticsWorkspaceId,
    endpointName,
    guardrails,
    actionGroupIds: props.alertActionGroupIds ?? [],
    tags,
    purpose: 'Endpoint guardrail',
  });
  let dashboard: ApplicationInsightsWorkbook | undefined;
  if (props.dashboard) {
    const gpu = endpoint.instance?.gpu !== undefined || endpoint.serving.acceleratorCount > 0;
    const uuid = createHash('sha256').update(`workbook|${endpoint.node.path}|${endpointName}`).digest('hex');
    dashboard = new ApplicationInsightsWorkbook(endpoint, 'Dashboard', {
      // A workbook's name is a UUID; a stable one from the construct path keeps it from being replaced.
      name: `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-4${uuid.slice(13, 16)}-8${uuid.slice(17, 20)}-${uuid.slice(20, 32)}`,
      displayName: `Model ${endpoint.serving.metadata.name} (Azure ML endpoint ${endpointName})`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      // Lazy: a CanaryRollout attached later changes the deployment the metrics read.
      dataJson: Lazy.stringValue({ produce: () => JSON.stringify(azureWorkbook(endpoint, logAnalyticsWorkspaceId, gpu, price)) }),
      tags,
    });
  }
  return { logAnalyticsWorkspaceId, alerts, dashboard };
}
