import { SERVER_ENV, defaultServerConfig, parseServerEnvironment, renderServerEnvironment } from '../../lib';

describe('server contract', () => {
  test('every variable has a unique MODEL_SERVER_ name', () => {
    const names = Object.values(SERVER_ENV).map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^MODEL_SERVER_[A-Z0-9_]+$/);
  });

  test('an empty environment gives the defaults', () => {
    const { config, problems } = parseServerEnvironment({});
    expect(problems).toEqual([]);
    expect(config).toEqual(defaultServerConfig());
    expect(config.port).toBe(8080);
    expect(config.executionProviders).toEqual(['cpu']);
    expect(config.maxRequestBodyBytes).toBe(6_291_456);
  });

  test('what the constructs render, the server reads back unchanged', () => {
    const settings = {
      modelName: 'fraud',
      modelVersion: '1.2.0',
      maxBatchSize: 32,
      maxQueueDelayMs: 5,
      executionProviders: ['tensorrt', 'cuda', 'cpu'] as const,
      allowNonFinite: true,
      apiKeySha256: ['a'.repeat(64)],
      rateLimitPerSecond: 12.5,
    };
    const env = renderServerEnvironment(settings);
    expect(env).toEqual({
      MODEL_SERVER_MODEL_NAME: 'fraud',
      MODEL_SERVER_MODEL_VERSION: '1.2.0',
      MODEL_SERVER_MAX_BATCH_SIZE: '32',
      MODEL_SERVER_MAX_QUEUE_DELAY_MS: '5',
      MODEL_SERVER_EXECUTION_PROVIDERS: 'tensorrt,cuda,cpu',
      MODEL_SERVER_ALLOW_NON_FINITE: 'true',
      MODEL_SERVER_API_KEY_SHA256: 'a'.repeat(64),
      MODEL_SERVER_RATE_LIMIT_PER_SECOND: '12.5',
    });
    const { config, problems } = parseServerEnvironment(env);
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ ...settings, executionProviders: ['tensorrt', 'cuda', 'cpu'] });
  });

  test('defaults are left out of the rendered environment', () => {
    expect(renderServerEnvironment({ maxBatchSize: 8, executionProviders: ['cpu'] })).toEqual({});
  });

  test.each([
    ['MODEL_SERVER_MAX_BATCH_SIZE', '0', 'an integer from 1 to 1024'],
    ['MODEL_SERVER_MAX_BATCH_SIZE', '8.5', 'an integer from 1 to 1024'],
    ['MODEL_SERVER_EXECUTION_PROVIDERS', 'cuda,rocm', 'comma-separated list'],
    ['MODEL_SERVER_EXECUTION_PROVIDERS', 'cpu,cpu', 'without repeats'],
    ['MODEL_SERVER_ALLOW_NON_FINITE', 'yes', '"true" or "false"'],
    ['MODEL_SERVER_API_KEY_SHA256', 'secret', '64 characters'],
    ['MODEL_SERVER_LOG_LEVEL', 'verbose', 'one of fatal, error'],
    ['MODEL_SERVER_PORT', '70000', 'an integer from 1 to 65535'],
  ])('%s=%s is a problem naming the variable, the value and what is allowed', (name, value, allowed) => {
    const { problems } = parseServerEnvironment({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0].variable).toBe(name);
    expect(problems[0].given).toBe(JSON.stringify(value));
    expect(problems[0].allowed).toContain(allowed);
  });
});
