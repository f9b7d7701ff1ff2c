// A gRPC OTLP trace sink for the host benchmark: accepts every request and counts its spans. Prints
// `{"port": N}` once listening, and `{"spans": N}` whenever it receives "count" on stdin.
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const { Traces, rawExportService } = require(path.resolve(__dirname, '..', '..', 'ts-host', 'dist', 'pdata'));

let spans = 0;
const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
server.addService(rawExportService('traces'), {
  Export: (call, callback) => {
    spans += Traces.fromProto(call.request).itemCount();
    callback(null, new Uint8Array(0));
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  for (const line of text.split('\n').filter(Boolean)) if (line === 'count') process.stdout.write(`${JSON.stringify({ spans })}\n`);
});
process.stdin.on('end', () => server.forceShutdown());
