/** Composition root of the store: resolve the URL, open the database, migrate, wire the parts. */
import { ApiKeyStore } from "./api-keys.js";
import { describeTarget, parseDatabaseUrl } from "./database-url.js";
import { EmbeddedOrchestrator, type EmbeddedOrchestratorOptions } from "./embedded-orchestrator.js";
import { RunStore } from "./run-store.js";
import type { StoreDialect } from "./schema.js";
import type { SqlClient } from "./sql-client.js";
import { ConfigurationError, getSetting, type Orchestrator } from "./wf-core.js";

export interface OpenStoreOptions {
  /** A SQLite path or URL, or a Postgres URL; defaults to the `WF_DATABASE_URL` setting. */
  readonly url?: string;
  /** SQLite: how long to wait for another process's write lock (ms). */
  readonly busyTimeoutMs?: number;
  /** Postgres: connections in the pool. */
  readonly poolSize?: number;
  /** Queued rows that force a flush (default 2,000). */
  readonly flushThreshold?: number;
  /** How often watched flow runs are polled for commands (default 200 ms). */
  readonly commandPollIntervalMs?: number;
  /** SQLite: move batch commits of large workloads to a worker thread (default true). */
  readonly writerThread?: boolean;
}

export interface Store {
  readonly dialect: StoreDialect;
  /** Where the data lives (a file path, or the Postgres URL with the password masked). */
  readonly location: string;
  /** The embedded orchestrator over this database. */
  readonly orchestrator: EmbeddedOrchestrator;
  /** Queries and admin operations. Each first flushes this store's own queued writes. */
  readonly runs: RunStore;
  /** API keys for `wf server`. */
  readonly apiKeys: ApiKeyStore;
  /** Flush, then close the database (idempotent). */
  close(): Promise<void>;
}

/** The URL the store opens: the option, else the `WF_DATABASE_URL` setting. */
export function resolveDatabaseUrl(url?: string): string {
  const resolved = url ?? getSetting("WF_DATABASE_URL");
  if (resolved === undefined || resolved.trim() === "") {
    throw new ConfigurationError(
      "no run store configured; set WF_DATABASE_URL to a SQLite path or a postgres:// URL",
    );
  }
  return resolved;
}

async function openClient(options: OpenStoreOptions): Promise<SqlClient> {
  const target = parseDatabaseUrl(resolveDatabaseUrl(options.url));
  let client: SqlClient;
  try {
    // Each driver is loaded only when used: SQLite users never load pg, and the reverse.
    if (target.dialect === "sqlite") {
      const { SqliteClient } = await import("./sqlite-client.js");
      client = SqliteClient.open(target.path, {
        ...(options.busyTimeoutMs !== undefined && { busyTimeoutMs: options.busyTimeoutMs }),
      });
    } else {
      const { PostgresClient } = await import("./postgres-client.js");
      client = new PostgresClient(target.connectionString, {
        location: describeTarget(target),
        ...(options.poolSize !== undefined && { poolSize: options.poolSize }),
      });
    }
  } catch (error) {
    throw new ConfigurationError(
      `cannot open the run store at ${describeTarget(target)}: ${(error as Error).message}`,
      error,
    );
  }
  try {
    await client.migrate();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new ConfigurationError(
      `cannot prepare the run store at ${describeTarget(target)}: ${(error as Error).message}`,
      error,
    );
  }
  return client;
}

function orchestratorOptions(
  options: OpenStoreOptions,
  ownsClient: boolean,
): EmbeddedOrchestratorOptions {
  return {
    ownsClient,
    ...(options.flushThreshold !== undefined && { flushThreshold: options.flushThreshold }),
    ...(options.commandPollIntervalMs !== undefined && {
      commandPollIntervalMs: options.commandPollIntervalMs,
    }),
    ...(options.writerThread !== undefined && { writerThread: options.writerThread }),
  };
}

/** Open (and migrate) the run store named by `url` or `WF_DATABASE_URL`. */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const client = await openClient(options);
  const orchestrator = new EmbeddedOrchestrator(client, orchestratorOptions(options, false));
  const runs = new RunStore(client, { beforeQuery: () => orchestrator.flush() });
  let closing: Promise<void> | undefined;
  return {
    dialect: client.dialect,
    location: client.location,
    orchestrator,
    runs,
    apiKeys: new ApiKeyStore(client),
    close() {
      closing ??= (async () => {
        try {
          await orchestrator.close();
        } finally {
          await client.close();
        }
      })();
      return closing;
    },
  };
}

/**
 * The embedded orchestrator core loads (through `import("@wf/store")`) when no WF_API_URL is set.
 * Its `close()` also closes the database.
 */
export async function createEmbeddedOrchestrator(
  options: { readonly url?: string } = {},
): Promise<Orchestrator> {
  const client = await openClient(options);
  return new EmbeddedOrchestrator(client, orchestratorOptions(options, true));
}
