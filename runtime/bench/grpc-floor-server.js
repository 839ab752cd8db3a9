// The gRPC floor: a bare grpc-js server with the same service definition, answering ModelInfer with a canned
// response of the same shape as the model server's (10 FP32 + 1 INT64 raw outputs), no decoding, no
// inference. What grpc-js itself costs per call on this machine. node grpc-floor-server.js PORT
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const grpc = require('@grpc/grpc-js');
const { fromJSON } = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const text = readFileSync(join(__dirname, '..', 'src', 'grpc', 'inference.proto'), 'utf8');
const definition = fromJSON(protobuf.parse(text, { keepCase: true }).root.toJSON(), { keepCase: true, longs: String, defaults: true, oneofs: true });
const service = grpc.loadPackageDefinition(definition).inference.GRPCInferenceService.service;
const response = {
  model_name: 'digits-classifier',
  model_version: '1',
  outputs: [
    { name: 'probabilities', datatype: 'FP32', shape: ['1', '10'] },
    { name: 'label', datatype: 'INT64', shape: ['1'] },
  ],
  raw_output_contents: [Buffer.alloc(40), Buffer.alloc(8)],
};
const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
server.addService(service, { ModelInfer: (_call, callback) => callback(null, response) });
server.bindAsync(`127.0.0.1:${process.argv[2]}`, grpc.ServerCredentials.createInsecure(), () => process.stdout.write('ready\n'));
