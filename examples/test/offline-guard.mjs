// Preloaded (`--import`) into processes that run the examples: any TCP connection to a host other
// than loopback, or any DNS lookup of a name other than localhost, is refused and written to the
// file named by WF_TEST_NETWORK_LOG, so a test can assert that the examples run offline.
import { appendFileSync } from "node:fs";
import dns from "node:dns";
import net from "node:net";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]);
const logFile = process.env.WF_TEST_NETWORK_LOG;

function refuse(what) {
  if (logFile) appendFileSync(logFile, `${process.pid} ${what}\n`);
  return new Error(`offline guard: ${what} refused`);
}

function targetOf(args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first !== null && typeof first === "object") {
    if (typeof first.path === "string") return undefined; // a unix socket or pipe
    return { host: first.host ?? "localhost", port: first.port };
  }
  if (typeof first === "string" && Number.isNaN(Number(first))) return undefined; // a path
  return { host: typeof args[1] === "string" ? args[1] : "localhost", port: first };
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const target = targetOf(args);
  if (target !== undefined && !LOOPBACK.has(String(target.host))) {
    throw refuse(`connect to ${target.host}:${target.port}`);
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, ...rest) {
  if (!LOOPBACK.has(String(hostname))) throw refuse(`dns lookup of ${hostname}`);
  return lookup.call(this, hostname, ...rest);
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = function guardedPromisesLookup(hostname, ...rest) {
  if (!LOOPBACK.has(String(hostname))) return Promise.reject(refuse(`dns lookup of ${hostname}`));
  return promisesLookup.call(this, hostname, ...rest);
};
