// The HTTP floor: a bare fastify route that parses the same JSON body and answers a response of the same
// shape as the model server's, without inference. Run as its own process: node floor-server.js PORT
const fastify = require('fastify')({ logger: false, bodyLimit: 64 * 1024 * 1024 });
const probabilities = Array.from({ length: 10 }, (_, i) => 0.1 + i * 1e-9);
fastify.post('/infer', async (request) => {
  const input = request.body.inputs[0];
  const rows = input.shape[0];
  return {
    model_name: 'digits-classifier',
    model_version: '1',
    outputs: [
      { name: 'probabilities', datatype: 'FP32', shape: [rows, 10], data: Array.from({ length: rows }, () => probabilities).flat() },
      { name: 'label', datatype: 'INT64', shape: [rows], data: new Array(rows).fill(0) },
    ],
  };
});
fastify.listen({ port: Number(process.argv[2]), host: '127.0.0.1' }).then(() => process.stdout.write('ready\n'));
