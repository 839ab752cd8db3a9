/**
 * The README's field table, generated from each backend's BackendCapabilities so it cannot drift from what
 * the resolvers refuse. `npx tsx scripts/field-table.ts` prints it; test/readme-field-table.test.ts checks
 * that the README holds exactly this text between its markers.
 */
import {
  ArtifactLayout,
  ArtifactStorage,
  BackendCapabilities,
  LatencyPercentile,
  RolloutStepShape,
  ScalingMetric,
  SecretSource,
  TrafficSplitting,
} from '../lib';
import { join } from 'node:path';
import { BACKENDS } from './backends';

/** Every registered backend's capability tables, in registry order (scripts/backends.json). */
export const FIELD_TABLE_BACKENDS: readonly BackendCapabilities[] = BACKENDS.flatMap((b) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(__dirname, '..', 'constructs', b.id, 'capabilities')) as Record<string, BackendCapabilities>;
  return b.capabilities.map((name) => mod[name]);
});

const SECRET_FACTORIES: Record<SecretSource, string> = {
  [SecretSource.AWS_SECRETS_MANAGER]: 'fromAwsSecretsManager',
  [SecretSource.GCP_SECRET_MANAGER]: 'fromGcpSecretManager',
  [SecretSource.AZURE_KEY_VAULT]: 'fromAzureKeyVault',
  [SecretSource.KUBERNETES_SECRET]: 'fromKubernetesSecret',
};

const YES = 'honoured';
const NO = 'refused';
const yn = (b: boolean) => (b ? YES : NO);

interface Row {
  readonly field: string;
  readonly cell: (c: BackendCapabilities) => string;
}

const ROWS: readonly Row[] = [
  { field: '`model`: `ModelArtifact.fromFile`', cell: (c) => yn(c.artifacts.storages.includes(ArtifactStorage.LOCAL_FILE)) },
  { field: '`model`: `s3://`', cell: (c) => yn(c.artifacts.storages.includes(ArtifactStorage.S3)) },
  { field: '`model`: `gs://`', cell: (c) => yn(c.artifacts.storages.includes(ArtifactStorage.GCS)) },
  { field: '`model`: Azure Blob', cell: (c) => yn(c.artifacts.storages.includes(ArtifactStorage.AZURE_BLOB)) },
  { field: '`model`: `.tar.gz` archive', cell: (c) => yn(c.artifacts.layouts.includes(ArtifactLayout.ARCHIVE)) },
  { field: '`model`: URI without signature', cell: () => 'warning' },
  { field: '`metadata`', cell: (c) => `${YES} (values per ${c.naming.labelValue.description})` },
  { field: '`image`: `ServingImage.bundled()` (the default)', cell: (c) => yn(c.image.buildsBundledImage) },
  { field: '`image`: `ServingImage.fromRegistry`', cell: (c) => (c.image.registryPattern ? `${c.image.registryDescription?.split(' (')[0] ?? 'platform registry'} only` : YES) },
  { field: '`accelerator`, `acceleratorCount`', cell: () => YES },
  { field: '`scaling.minReplicas: 0`', cell: (c) => yn(c.scaling.scaleToZero) },
  { field: '`scaling.maxReplicas`', cell: (c) => `up to ${c.scaling.maxReplicas}` },
  { field: '`scaling.targets`: CPU utilization', cell: (c) => yn(c.scaling.metrics.includes(ScalingMetric.CPU_UTILIZATION)) },
  { field: '`scaling.targets`: GPU utilization', cell: (c) => yn(c.scaling.metrics.includes(ScalingMetric.GPU_UTILIZATION)) },
  { field: '`scaling.targets`: invocations per replica', cell: (c) => yn(c.scaling.metrics.includes(ScalingMetric.INVOCATIONS_PER_REPLICA)) },
  { field: '`scaling.targets`: several at once', cell: (c) => yn(c.scaling.multipleTargets) },
  { field: '`scaling.scaleInCooldown`, `scaleOutCooldown` (explicit)', cell: (c) => yn(c.scaling.cooldowns) },
  { field: '`server.maxRequestBodySize`', cell: (c) => (c.server.maxRequestBodyBytes ? `up to ${c.server.maxRequestBodyBytes} bytes (also the default)` : YES) },
  { field: '`server.requestTimeout`', cell: (c) => (c.server.maxRequestTimeout ? `up to ${c.server.maxRequestTimeout.toString()}` : YES) },
  { field: '`server.grpc`', cell: (c) => (c.server.grpc ? `${YES} (on by default, port 8081, h2c)` : `${NO} (off: the platform forwards HTTP only)`) },
  { field: '`server.*` (batching, queue, providers, warm-up, workers)', cell: () => YES },
  { field: '`server.auth` (API keys, JWT, per-minute limit)', cell: (c) => (c.server.callerCredentials ? YES : `${NO} (the platform authenticates callers)`) },
  { field: '`ServerSecret` sources', cell: (c) => ((c.server.secretSources ?? []).length > 0 ? (c.server.secretSources ?? []).map((s) => `\`ServerSecret.${SECRET_FACTORIES[s]}\``).join(', ') : `${NO} (plain environment only)`) },
  { field: '`server.cache` (Redis URL from a `ServerSecret`)', cell: (c) => ((c.server.secretSources ?? []).length > 0 ? YES : `${NO} (no secret references)`) },
  { field: '`server.circuitBreaker`', cell: () => YES },
  { field: '`server.tracing` (and the cache\'s Redis): outbound connections', cell: (c) => c.server.outboundNetwork ?? YES },
  { field: '`guardrails.latencyPercentile`', cell: (c) => (c.guardrails.latencyPercentiles.length === LatencyPercentile.ALL.length ? 'p50 to p99.9' : c.guardrails.latencyPercentiles.map((p) => p.name).join(', ')) },
  { field: '`guardrails.evaluationPeriod`', cell: (c) => (c.guardrails.evaluationPeriodMultiple ? `multiples of ${c.guardrails.evaluationPeriodMultiple.toString()}` : '10 s to 1 h') },
  { field: 'rollout traffic weights', cell: (c) => (c.rollout.traffic === TrafficSplitting.EXACT ? 'exact' : 'approximated with pods (refused beyond 5 points unless accepted)') },
  { field: 'rollout automatic rollback', cell: (c) => (c.rollout.automaticRollback ? YES : 'none: refused unless `acceptManualPromotion`') },
  { field: 'rollout steps', cell: (c) => (c.rollout.stepShapes.length === 0 ? 'refused (no rollouts)' : c.rollout.stepShapes.includes(RolloutStepShape.ANY_STEPS) ? 'any' : c.rollout.stepShapes.map((s) => s.toLowerCase().replace('_', ' ')).join(', ')) },
  { field: 'rollout bake per step', cell: (c) => `up to ${c.rollout.longestBake.toString()}` },
  { field: 'rollout first step', cell: (c) => `up to ${c.rollout.maxStepPercent ?? 99}%` },
  { field: '`shadowTrafficPercent`', cell: (c) => (c.rollout.shadowTraffic ? `up to ${c.rollout.maxShadowPercent ?? 100}%` : NO) },
  { field: '`budget.action`', cell: (c) => c.budget.actions.join(', ') },
  { field: '`budget.enforceAtPercent`', cell: (c) => yn(c.budget.actionThreshold) },
  { field: '`budget.forecastThresholdPercent`', cell: (c) => yn(c.budget.forecastAlerts) },
  { field: '`budget.emails`', cell: (c) => yn(c.budget.emailNotifications) },
  { field: 'budget notifications', cell: (c) => (c.budget.maxNotifications ? `at most ${c.budget.maxNotifications}` : 'no limit') },
  { field: 'endpoint name', cell: (c) => `${c.naming.endpointName.description}, ${c.naming.endpointName.minLength}-${c.naming.endpointName.maxLength}` },
];

/** The table as Markdown. */
export function fieldTable(backends: readonly BackendCapabilities[] = FIELD_TABLE_BACKENDS): string {
  const lines = [
    `| field | ${backends.map((b) => b.backend).join(' | ')} |`,
    `|---|${backends.map(() => '---').join('|')}|`,
    ...ROWS.map((r) => `| ${r.field} | ${backends.map((b) => r.cell(b)).join(' | ')} |`),
  ];
  return lines.join('\n');
}


if (require.main === module) {
  console.log(fieldTable());
}
