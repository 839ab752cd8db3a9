import {
  ArtifactLayout,
  ArtifactStorage,
  BackendCapabilities,
  BudgetAction,
  Duration,
  GatewayCapabilities,
  JWT_ALGORITHMS,
  LatencyPercentile,
  NameRule,
  RolloutStepShape,
  ScalingMetric,
  SecretSource,
  TrafficSplitting,
} from '../../lib';
import { NodePoolCapabilities } from '../../lib/backend';

/**
 * ModelGateway on AWS: an Amazon API Gateway REST API (regional) with a SageMaker runtime integration per
 * route, a Lambda TOKEN authorizer for JWTs, API keys in a usage plan and an AWS WAF rate-based rule per key.
 * - JWT: REST APIs validate JWTs only through Cognito user pools or a Lambda authorizer ("Use API Gateway
 *   Lambda authorizers", https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html);
 *   the authorizer (constructs/aws/gateway-authorizer, jose) validates every asymmetric algorithm of
 *   lib/contract.ts JWT_ALGORITHMS. A models claim becomes the policy's resources (the routes of the listed
 *   models), which API Gateway evaluates per method even from its per-token cache ("Output from an API Gateway
 *   Lambda authorizer"): `jwtModelsClaim` true.
 * - Per-key limit per minute: usage-plan throttles are per-second token buckets (rate + burst,
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html) and
 *   quotas count per day/week/month, so neither expresses "N per minute". An AWS WAF rate-based rule does:
 *   evaluation window 60 s, custom aggregation key on the API-key header; its lowest Limit is 10 and its
 *   highest 2,000,000,000 ("Rate-based rule high-level settings in AWS WAF",
 *   https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html;
 *   RateBasedStatement, https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html).
 * - Cache: the stage cache keys on method request parameters (path, query, headers), never on the body
 *   ("Enable API caching", https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html):
 *   `bodyKeyedCache` false.
 * - Body size: API Gateway takes at most 10 MB per request ("Amazon API Gateway quotas",
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html), SageMaker InvokeEndpoint
 *   at most 6 MB (SAGEMAKER_CAPABILITIES.server): the route's real limit is the smaller one.
 */
export const API_GATEWAY_REST_CAPABILITIES: GatewayCapabilities = {
  product: 'Amazon API Gateway (REST) with AWS WAF',
  jwtAlgorithms: [...JWT_ALGORITHMS],
  jwtModelsClaim: true,
  perKeyRateLimit: true,
  rateLimitRange: { min: 10, max: 2_000_000_000 },
  bodyKeyedCache: false,
  maxRequestBodyBytes: 6_291_456,
};

/**
 * What SageMaker real-time endpoints (with Application Auto Scaling, CloudWatch, blue/green deployment
 * guardrails and AWS Budgets) can honour. The shared resolvers refuse everything else by name.
 */
export const SAGEMAKER_CAPABILITIES: BackendCapabilities = {
  backend: 'SageMaker',
  image: {
    buildsBundledImage: true,
    registryPattern: '^\\d{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/',
    registryDescription: 'Amazon ECR ("<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>")',
  },
  artifacts: {
    storages: [ArtifactStorage.LOCAL_FILE, ArtifactStorage.S3],
    layouts: [ArtifactLayout.SINGLE_FILE, ArtifactLayout.PREFIX, ArtifactLayout.ARCHIVE],
  },
  scaling: {
    metrics: [ScalingMetric.INVOCATIONS_PER_REPLICA, ScalingMetric.CPU_UTILIZATION, ScalingMetric.GPU_UTILIZATION, ScalingMetric.CONCURRENT_REQUESTS_PER_REPLICA],
    // Several target-tracking policies on one variant fight over capacity; the endpoint builds one.
    multipleTargets: false,
    cooldowns: true,
    // Real-time endpoints keep at least one instance (scale to zero needs inference components).
    scaleToZero: false,
    maxReplicas: 1000,
  },
  // InvokeEndpoint forwards at most 6 MiB and waits at most 60 s for the model.
  // Callers authenticate with SigV4 and "SageMaker strips all POST headers except those supported by the API"
  // (InvokeEndpoint API reference). ContainerDefinition.Environment is a string map whose documentation says
  // "Don't include any sensitive data in your environment variables" (CreateModel API reference): the
  // environment carries only the reference (MODEL_SERVER_SECRET_REFS), and the server fetches the value itself
  // with the execution role (Secrets Manager GetSecretValue).
  server: {
    maxRequestBodyBytes: 6_291_456,
    maxRequestTimeout: Duration.seconds(60),
    callerCredentials: false,
    platformAuthentication: 'SageMaker checks AWS Signature Version 4 on InvokeEndpoint and strips every request header its API does not define',
    secretSources: [SecretSource.AWS_SECRETS_MANAGER],
    outboundNetwork: 'with `networkIsolation: false` and `vpc` only',
    secretsFix: 'keep the secret in AWS Secrets Manager and pass ServerSecret.fromAwsSecretsManager(secret.secretArn, jsonField?): the server fetches it at start with the endpoint\'s execution role, which gets secretsmanager:GetSecretValue on that ARN (CreateModel ContainerDefinition.Environment is plain strings, "Don\'t include any sensitive data")',
  },
  // CloudWatch computes any percentile; SageMaker publishes endpoint metrics once a minute.
  guardrails: { latencyPercentiles: LatencyPercentile.ALL, evaluationPeriodMultiple: Duration.minutes(1) },
  rollout: {
    traffic: TrafficSplitting.EXACT,
    automaticRollback: true,
    stepShapes: [RolloutStepShape.ONE_STEP, RolloutStepShape.EQUAL_STEPS],
    // WaitIntervalInSeconds and TerminationWaitInSeconds are at most 3600.
    longestBake: Duration.hours(1),
    longestFinalBake: Duration.hours(1),
    // CanarySize / LinearStepSize are at most 50% of the fleet.
    maxStepPercent: 50,
    // Shadow variants exist in SageMaker, but this library does not build them yet.
    shadowTraffic: false,
  },
  budget: {
    actions: [BudgetAction.NOTIFY, BudgetAction.SCALE_TO_FLOOR, BudgetAction.DELETE],
    forecastAlerts: true,
    actionThreshold: true,
    emailNotifications: true,
    maxNotifications: 5,
  },
  naming: { endpointName: NameRule.SAGEMAKER_NAME, labelValue: NameRule.AWS_TAG_VALUE },
  gateway: API_GATEWAY_REST_CAPABILITIES,
};

/**
 * SageMaker with the exact-weight controller (CanaryRollout mode EXACT_WEIGHTS): two production variants
 * whose weights are the step percentages, any step shape, shadow variants; the whole rollout must fit the
 * 12 h CloudFormation waits for it (checked by the construct). No routing by header: a caller can pin the
 * canary with InvokeEndpoint's TargetVariant instead.
 */
export const SAGEMAKER_EXACT_WEIGHT_CAPABILITIES: BackendCapabilities = {
  ...SAGEMAKER_CAPABILITIES,
  backend: 'SageMaker (exact-weight controller)',
  rollout: {
    traffic: TrafficSplitting.EXACT,
    automaticRollback: true,
    stepShapes: [RolloutStepShape.ONE_STEP, RolloutStepShape.EQUAL_STEPS, RolloutStepShape.ANY_STEPS],
    longestBake: Duration.hours(12),
    longestFinalBake: Duration.hours(12),
    maxStepPercent: 99,
    shadowTraffic: true,
    maxShadowPercent: 100,
    headerRouting: false,
  },
};

/** What an EKS managed node group accepts (GpuNodePool): gp3 boot volumes of 20 to 16384 GiB. */
export const EKS_NODE_POOL_CAPABILITIES: NodePoolCapabilities = {
  backend: 'EKS',
  diskGiB: { min: 20, max: 16_384, note: 'gp3' },
};
