// model-serving-constructs/backend: what a backend author needs (the contract a backend implements, the
// shared resolver and its capability tables, problem collection, warnings, node-pool checks, function
// environments). Application code imports the root and the backend subpaths instead. These names are also
// still exported by the root for compatibility; new backend code imports them from here.
// Explicit export list: a name reaches users only when it is listed here.
export { NotSupported, oneRolloutProblem } from './backend-contract';
export type { IBudgetGuardContract, ICanaryRolloutContract, IGpuNodePoolContract, IModelEndpointContract, IModelGatewayContract, IRolloutTarget } from './backend-contract';
export { GatewayResolution } from './gateway';
export type { GatewayCapabilities, GatewayRouteInput, ResolvedGateway, ResolvedGatewayJwt, ResolvedGatewayRoute } from './gateway';
export { APPROXIMATION_TOLERANCE_PERCENT, RolloutStepShape, TrafficSplitting } from './capabilities';
export type {
  ArtifactCapabilities,
  BackendCapabilities,
  BudgetCapabilities,
  GuardrailCapabilities,
  ImageCapabilities,
  NamingCapabilities,
  RolloutCapabilities,
  ScalingCapabilities,
  ServerCapabilities,
} from './capabilities';
export { ProblemCollector, SpecValidationError, addSpecValidation, collectSpecProblems, describe, isUnresolved, reportProblems } from './errors';
export type { SpecProblem, SpecWarning } from './errors';
export { NameRule, sanitizeLabels } from './naming';
export type { NameRuleOptions } from './naming';
export { checkNodePoolSizing } from './node-pool';
export type { NodePoolCapabilities, NodePoolSizing } from './node-pool';
export { Resolution, explicitFieldsOf, refusal } from './resolution';
export { RolloutResolution, approximatedShare } from './resolve-rollout';
export type { ResolvedRollout, ResolvedRolloutStep, RolloutContext } from './resolve-rollout';
export { ServingResolution, guardrailRefusals, validateSignature } from './resolve-serving';
export { SpecResolver } from './resolver';
export { addIdWarnings, addMetadataWarnings, addTextWarnings, warningId, warningText } from './internal/warnings';
export { EnvFields, parseEnvironment, renderEnvironment } from './internal/function-environment';
export type { EnvField, EnvTable } from './internal/function-environment';
