/** `wf server start` and `wf server api-key create|ls`: the HTTP API over the run store. */
import type { Command } from "commander";
import pc from "picocolors";
import type { ApiKeyInfo } from "@wf/store";
import { CliError, UsageError } from "../errors.js";
import { formatDateTime, isoTime, printJson, renderTable, writeLine } from "../output.js";
import { loadSettings } from "../settings.js";
import { withStore } from "../store.js";
import { examples } from "./common.js";

const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 4200;

export function registerServerCommands(program: Command): void {
  const group = program
    .command("server")
    .description("serve the HTTP API over the run store, and manage its API keys")
    .addHelpText(
      "after",
      examples("wf server start", "wf server api-key create ci", "wf server start --host 0.0.0.0"),
    );

  group
    .command("start")
    .description("start the API server and run until interrupted (Ctrl-C)")
    .option("--host <host>", `interface to listen on (default ${DEFAULT_HOST})`)
    .option("--port <port>", `port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)`)
    .addHelpText(
      "after",
      examples("wf server start", "wf server start --port 8080", "wf server start --host 0.0.0.0"),
    )
    .action(async (options: { host?: string; port?: string }) => {
      const port = options.port === undefined ? DEFAULT_PORT : Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new UsageError(
          `--port must be a whole number from 0 to 65535, got '${options.port}'`,
        );
      }
      const host = options.host ?? DEFAULT_HOST;
      // Loaded only here: the server's modules (Hono, the routes) cost every other command nothing.
      const [{ createServer, isLoopbackHost }, { getSetting }] = await Promise.all([
        import("@wf/server"),
        loadSettings(),
      ]);
      const databaseUrl = getSetting("WF_DATABASE_URL");
      const server = await createServer({
        host,
        port,
        ...(databaseUrl !== undefined && { databaseUrl }),
      });
      let listening;
      try {
        listening = await server.listen();
      } catch (error) {
        await server.close();
        throw error;
      }
      const keyed = await server.store.apiKeys.any();
      writeLine(`wf server listening on ${listening.url} (store: ${server.store.location})`);
      writeLine(`UI: ${listening.url}/`);
      writeLine(
        `API: ${listening.url}/api/v1, OpenAPI document: ${listening.url}/api/openapi.json`,
      );
      if (!keyed && isLoopbackHost(host)) {
        writeLine(
          pc.yellow(
            "No API keys exist: the server is unauthenticated and serves loopback only. " +
              "Create one with `wf server api-key create <name>`.",
          ),
        );
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      writeLine("Stopping wf server...");
      await listening.close();
      writeLine("Stopped.");
    });

  const keys = group
    .command("api-key")
    .description("create and list the API keys the server accepts")
    .addHelpText("after", examples("wf server api-key create ci", "wf server api-key ls"));

  keys
    .command("create")
    .description("create an API key and print it (once: only its hash is stored)")
    .argument("<name>", "what the key is for (e.g. ci, laptop)")
    .option("--json", "print JSON")
    .addHelpText("after", examples("wf server api-key create ci"))
    .action(async (name: string, options: { json?: boolean }) => {
      if (name.trim() === "") throw new UsageError("<name> must not be empty");
      await withStore(async (store) => {
        const created = await store.apiKeys.create(name);
        if (options.json) {
          printJson({
            id: created.id,
            name: created.name,
            prefix: created.prefix,
            createdAt: isoTime(created.createdAt),
            key: created.key,
          });
          return;
        }
        writeLine(created.key);
        process.stderr.write(
          pc.dim(
            `Created API key '${created.name}' (wf_${created.prefix}_...). It is shown only this once; ` +
              "send it as 'Authorization: Bearer <key>'.\n",
          ),
        );
      });
    });

  keys
    .command("delete")
    .description("delete an API key by name (or by its wf_<prefix>_ when names repeat)")
    .argument("<name>", "the key's name, or its prefix as `wf server api-key ls` shows it")
    .addHelpText(
      "after",
      examples("wf server api-key delete ci", "wf server api-key delete wf_Ab12Cd34_"),
    )
    .action(async (name: string) => {
      await withStore(async (store) => {
        const prefix = /^(?:wf_)?([0-9A-Za-z]{8})_?$/.exec(name)?.[1];
        const all = await store.apiKeys.list();
        const named = all.filter((k) => k.name === name);
        if (named.length > 1) {
          throw new CliError(
            `${named.length} API keys are named '${name}'; delete one by its prefix: ${named.map((k) => `\`wf server api-key delete wf_${k.prefix}_\``).join(", ")}`,
          );
        }
        let deleted: ApiKeyInfo | undefined;
        if (named.length === 1) deleted = (await store.apiKeys.deleteByName(name))[0];
        else if (prefix !== undefined && all.some((k) => k.prefix === prefix)) {
          deleted = all.find((k) => k.prefix === prefix);
          await store.apiKeys.delete(prefix);
        }
        if (deleted === undefined) {
          throw new CliError(`no API key named '${name}'; list them with \`wf server api-key ls\``);
        }
        writeLine(
          `Deleted API key '${deleted.name}' (wf_${deleted.prefix}_...). A running server stops accepting it at once.`,
        );
      });
    });

  keys
    .command("ls")
    .description("list API keys (names and prefixes; the keys themselves are not stored)")
    .option("--json", "print JSON")
    .addHelpText("after", examples("wf server api-key ls"))
    .action(async (options: { json?: boolean }) => {
      await withStore(async (store) => {
        const list = await store.apiKeys.list();
        if (options.json) {
          printJson(
            list.map((k) => ({
              id: k.id,
              name: k.name,
              prefix: k.prefix,
              createdAt: isoTime(k.createdAt),
              lastUsedAt: isoTime(k.lastUsedAt),
            })),
          );
          return;
        }
        if (list.length === 0) {
          writeLine(pc.dim("No API keys. Create one with `wf server api-key create <name>`."));
          return;
        }
        writeLine(
          await renderTable(
            ["NAME", "PREFIX", "CREATED", "LAST USED"],
            list.map((k) => [
              k.name,
              `wf_${k.prefix}_`,
              formatDateTime(k.createdAt),
              k.lastUsedAt === undefined ? "never" : formatDateTime(k.lastUsedAt),
            ]),
          ),
        );
      });
    });
}
