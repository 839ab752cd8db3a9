// model-serving-constructs/azure: Azure ML managed online endpoints and AKS on cdktf (azurerm + azapi).
export * from './azapi/arm-bodies';
export * from './azapi/provider';
export * from './azapi/resources';
export * from './instance-types';
export * from './metrics';
export * from './names';
export * from './spec-adapter';
export * from './workspace';
export * from './model-endpoint';
