// Runs s3rver for the integration tests, in a child process started with --openssl-legacy-provider:
// s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES-CBC, which Node 17+ (OpenSSL 3)
// refuses without the legacy provider, so in a default Node 20 process every paginated or
// truncated listing answers HTTP 500.
//
//   node --openssl-legacy-provider s3rver-process.mjs <directory> <bucket>...
//
// stdout, one JSON object a line: {"port": n} once listening, then {"request": "GET /b/k"} for
// every request. It stops when its stdin closes (the test process ended) or on SIGTERM.
import { createCipheriv } from "node:crypto";
import S3rver from "s3rver";

const [directory, ...buckets] = process.argv.slice(2);
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

try {
  createCipheriv("des", Buffer.alloc(8), Buffer.alloc(8));
} catch (error) {
  send({
    error: `DES-CBC is unavailable (${error.message}); start Node with --openssl-legacy-provider`,
  });
  process.exit(1);
}

const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.httpServer?.closeAllConnections();
  await server.close().catch(() => {});
  process.exit(0);
}
process.on("SIGTERM", stop);
process.stdin.on("end", stop).resume();

try {
  const address = await server.run();
  server.httpServer.on("request", (req) => send({ request: `${req.method} ${req.url}` }));
  send({ port: address.port });
} catch (error) {
  send({ error: `s3rver did not start: ${error.message}` });
  process.exit(1);
}
