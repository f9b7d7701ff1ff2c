// The floors of a Node OTLP/gRPC collector for bench:sparse: a trace Export server that does nothing but answer OK, on
// Node's own HTTP/2 (`http2`) or on @grpc/grpc-js (`grpc-js`), the library the host's receiver and exporter are built
// on; and a grpc-js relay (`relay <port>`) that forwards each request unchanged to 127.0.0.1:<port> and answers once
// that call has, the least a collector answering after export does. Prints `{"port": N}` once listening, and
// `{"requests": N}` whenever it receives "count" on stdin.
'use strict';
const http2 = require('node:http2');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const { rawExportService } = require(path.resolve(__dirname, '..', '..', 'ts-host', 'dist', 'pdata'));

/** The trace Export method with raw-bytes serializers, as the host's receiver and exporter use it. */
const service = rawExportService('traces');
const method = service.Export;
/** An empty ExportTraceServiceResponse in gRPC's framing: uncompressed, length 0. */
const EMPTY_RESPONSE = Buffer.alloc(5);

let requests = 0;

function listenHttp2(ready) {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('data', () => {}); // the request's bytes are read and dropped
    stream.on('end', () => {
      requests++;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(EMPTY_RESPONSE);
    });
  });
  server.listen(0, '127.0.0.1', () => ready(server.address().port));
  return () => server.close();
}

/** A grpc-js trace Export server whose calls `answer(request, callback)` handles. */
function listenGrpcJs(ready, answer = (_request, callback) => callback(null, new Uint8Array(0))) {
  const server = new grpc.Server();
  server.addService(service, { Export: (call, callback) => { requests++; answer(call.request, callback); } });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    ready(port);
  });
  return () => server.forceShutdown();
}

function listenRelay(ready) {
  const next = new grpc.Client(`127.0.0.1:${process.argv[3]}`, grpc.credentials.createInsecure());
  const forward = (request, callback) =>
    next.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, (err) => callback(err ?? null, new Uint8Array(0)));
  const stop = listenGrpcJs(ready, forward);
  return () => {
    stop();
    next.close();
  };
}

const listeners = { http2: listenHttp2, 'grpc-js': (ready) => listenGrpcJs(ready), relay: listenRelay };
const listen = listeners[process.argv[2]];
if (!listen) throw new Error(`usage: floor.js ${Object.keys(listeners).join('|')}`);
const stop = listen((port) => process.stdout.write(`${JSON.stringify({ port })}\n`));
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  for (const line of text.split('\n').filter(Boolean)) if (line === 'count') process.stdout.write(`${JSON.stringify({ requests })}\n`);
});
process.stdin.on('end', stop);
