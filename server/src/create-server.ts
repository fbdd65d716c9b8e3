/**
 * Composition root of `wf server`: open (or take) the run store, build the block system and the
 * Hono app, and listen. Nothing here does I/O until `createServer` is awaited.
 */
import { isIP } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { BlockSystem, type KeyRing } from "@wf/blocks";
import { ConfigurationError } from "@wf/core";
import type { Plugin } from "@wf/core/plugin";
import { openStore, resolveDatabaseUrl, type Store } from "@wf/store";
import { createApp, streamHubOf } from "./app.js";
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from "./rate-limit.js";
import { orchestrationRoutes } from "./orchestration-routes.js";
import { defaultWfCommand, retryRoute } from "./retry-route.js";
import { apiRoutes } from "./routes.js";
import { loadUiAssets } from "./ui-assets.js";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 4200;
/** Request bodies larger than this get 413. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const SERVER_VERSION = "0.1.0";

export interface CreateServerOptions {
  /** An open store to serve (left open by `close()`); else one is opened from `databaseUrl`. */
  readonly store?: Store;
  /** A SQLite path or Postgres URL; defaults to the `WF_DATABASE_URL` setting. */
  readonly databaseUrl?: string;
  /** Interface to bind (default 127.0.0.1). A non-loopback host needs an API key to exist. */
  readonly host?: string;
  /** Port (default 4200; 0 picks a free one). */
  readonly port?: number;
  /**
   * API key policy. "auto" (default): keys are required as soon as one exists; "required":
   * always required, so nothing but the allow-list answers until a key is created.
   */
  readonly apiKeys?: "auto" | "required";
  /** Per-client token bucket (default 50 req/s, burst 100); false turns it off. */
  readonly rateLimit?: RateLimitOptions | false;
  readonly maxBodyBytes?: number;
  /** Plugins for the block system; when omitted, the project's plugins are found and loaded. */
  readonly plugins?: readonly Plugin[];
  readonly projectDir?: string;
  readonly keyRing?: KeyRing;
  /**
   * The command that starts `wf`, used to run a flow again (retry); default: node with the bin of
   * @wf/cli when it is installed beside the server.
   */
  readonly wfCommand?: readonly string[];
  /** Where errors that became a 500 are reported (default: stderr). */
  readonly onInternalError?: (error: unknown) => void;
}

export interface ListeningServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  /** Stop accepting requests, end open connections, close the store if the server opened it. */
  close(): Promise<void>;
}

export interface WfServer {
  readonly app: Hono;
  readonly store: Store;
  /** Bind and serve; refused on a non-loopback host while no API key exists. */
  listen(): Promise<ListeningServer>;
  /** Close the store if the server opened it (idempotent); `listen()`'s close calls this too. */
  close(): Promise<void>;
}

/** True for 127.0.0.0/8, ::1 and "localhost". */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (h.startsWith("::ffff:")) return h.slice(7).startsWith("127.");
  return false;
}

/** Build the server: open the store (migrating it) and wire the app. */
export async function createServer(options: CreateServerOptions = {}): Promise<WfServer> {
  const ownsStore = options.store === undefined;
  const store =
    options.store ??
    (await openStore(options.databaseUrl === undefined ? {} : { url: options.databaseUrl }));
  const blocks = new BlockSystem({
    orchestrator: store.orchestrator,
    ...(options.plugins !== undefined && { plugins: options.plugins }),
    ...(options.projectDir !== undefined && { projectDir: options.projectDir }),
    ...(options.keyRing !== undefined && { keyRing: options.keyRing }),
  });
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const app = createApp({
    routes: [
      ...apiRoutes(),
      retryRoute({
        wfCommand: options.wfCommand ?? defaultWfCommand(),
        databaseUrl:
          options.databaseUrl ??
          (store.dialect === "sqlite" ? store.location : resolveDatabaseUrl()),
      }),
      ...orchestrationRoutes(),
    ],
    deps: { store, blocks, version: SERVER_VERSION },
    apiKeys: store.apiKeys,
    requireApiKey: options.apiKeys === "required",
    rateLimiter: rateLimit === false ? undefined : new RateLimiter(rateLimit),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    ui: loadUiAssets(),
    onInternalError:
      options.onInternalError ??
      ((error) =>
        process.stderr.write(
          `wf server: internal error: ${String((error as Error)?.stack ?? error)}\n`,
        )),
  });

  let closing: Promise<void> | undefined;
  const closeStore = (): Promise<void> => {
    streamHubOf(app)?.close(); // open streams end, and the stream's poller stops reading the store
    closing ??= ownsStore ? store.close() : Promise.resolve();
    return closing;
  };

  return {
    app,
    store,
    close: closeStore,
    async listen() {
      const host = options.host ?? DEFAULT_HOST;
      const port = options.port ?? DEFAULT_PORT;
      if (!isLoopbackHost(host) && !(await store.apiKeys.any())) {
        throw new ConfigurationError(
          `refusing to serve on ${host} without an API key: anyone who can reach it could read and change your runs; ` +
            "create a key with `wf server api-key create <name>`, or serve on 127.0.0.1",
        );
      }
      const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s));
        s.once("error", reject);
      });
      const address = server.address();
      const boundPort = typeof address === "object" && address !== null ? address.port : port;
      const shownHost = host.includes(":") ? `[${host}]` : host;
      let stopped: Promise<void> | undefined;
      return {
        url: `http://${shownHost}:${boundPort}`,
        port: boundPort,
        close() {
          stopped ??= (async () => {
            await new Promise<void>((resolve) => {
              server.close(() => resolve());
              if ("closeAllConnections" in server) server.closeAllConnections();
            });
            await closeStore();
          })();
          return stopped;
        },
      };
    },
  };
}
