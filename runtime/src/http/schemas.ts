/** JSON schemas of the REST routes (requests are validated by them; errors share one shape). */

export const errorSchema = { type: 'object', required: ['error'], properties: { error: { type: 'string' } } } as const;
export const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const;
export const tensorMetadata = {
  type: 'object',
  properties: { name: { type: 'string' }, datatype: { type: 'string' }, shape: { type: 'array', items: { type: 'integer' } } },
} as const;
export const modelMetadataSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    versions: { type: 'array', items: { type: 'string' } },
    platform: { type: 'string' },
    inputs: { type: 'array', items: tensorMetadata },
    outputs: { type: 'array', items: tensorMetadata },
    parameters: { type: 'object', additionalProperties: true },
  },
} as const;
export const modelParams = {
  type: 'object',
  required: ['model'],
  properties: { model: { type: 'string' }, version: { type: 'string' } },
} as const;
export const inferBody = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string' },
    parameters: { type: 'object' },
    inputs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'datatype', 'shape'],
        properties: {
          name: { type: 'string' },
          datatype: { type: 'string' },
          shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
          parameters: { type: 'object' },
        },
      },
    },
    outputs: {
      type: 'array',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, parameters: { type: 'object' } } },
    },
  },
} as const;
export const inferResponse = {
  type: 'object',
  properties: {
    model_name: { type: 'string' },
    model_version: { type: 'string' },
    id: { type: 'string' },
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          datatype: { type: 'string' },
          shape: { type: 'array', items: { type: 'integer' } },
          data: { type: 'array' },
          parameters: { type: 'object', additionalProperties: true },
        },
      },
    },
  },
} as const;
/** /invocations, Vertex, Azure ML and TF Serving accept OIP, row or column bodies. */
export const predictBody = {
  type: 'object',
  properties: { instances: { type: 'array' }, inputs: {}, parameters: { type: 'object' }, outputs: { type: 'array' }, id: { type: 'string' } },
} as const;
export const predictResponse = { type: 'object', additionalProperties: true } as const;
export const readyResponse = { type: 'object', properties: { ready: { type: 'boolean' }, name: { type: 'string' } } } as const;
export const liveResponse = { type: 'object', properties: { live: { type: 'boolean' } } } as const;
export const anySchema = { body: predictBody, response: { 200: predictResponse, ...errorResponses } };
