export * from './model-endpoint';
export * from './instance-types';
