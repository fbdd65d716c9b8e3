/** A real server on 127.0.0.1, port 0, over a temp SQLite store, with runs made by a real flow. */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { closeOrchestrator, flow, getRunLogger, setOrchestrator, task } from "@wf/core";
import { openStore, type Store } from "@wf/store";
import { freshWfEnvironment } from "../../store/test/support/engine-environment.js";
import { createServer, type CreateServerOptions, type ListeningServer } from "../src/index.js";

export interface TestServer {
  readonly url: string;
  readonly store: Store;
  readonly home: string;
  readonly dbPath: string;
  /** fetch against the server, with the key when one is set. */
  readonly api: (path: string, init?: RequestInit & { key?: string }) => Promise<Response>;
  close(): Promise<void>;
}

export async function startTestServer(
  options: Omit<CreateServerOptions, "store" | "host" | "port"> & { readonly url?: string } = {},
): Promise<TestServer> {
  const home = freshWfEnvironment("wf-server-", { WF_LOGGING_LEVEL: "INFO" });
  const dbPath = join(home, "wf.db");
  const store = await openStore({ url: options.url ?? dbPath });
  setOrchestrator(store.orchestrator);
  const server = await createServer({
    rateLimit: false,
    plugins: [],
    ...options,
    store,
    host: "127.0.0.1",
    port: 0,
  });
  const listening: ListeningServer = await server.listen();
  return {
    url: listening.url,
    store,
    home,
    dbPath,
    api: (path, init = {}) => {
      const { key, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key !== undefined) headers.set("authorization", `Bearer ${key}`);
      return fetch(`${listening.url}${path}`, { ...rest, headers });
    },
    async close() {
      await listening.close();
      await closeOrchestrator();
      await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

const double = task(async function double(n: number) {
  getRunLogger().info(`doubling ${n}`);
  return n * 2;
});

/** A real flow run in this process: two task runs, log lines, state changes and events. */
export const numbers = flow({ tags: ["nightly"] }, async function server_numbers(n: number) {
  getRunLogger().info("starting");
  const a = await double(n);
  return double(a);
});
