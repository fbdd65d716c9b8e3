/**
 * A throwaway Postgres cluster for integration tests: initdb into a fresh temp dir, listen on
 * 127.0.0.1 and a free port, stop and delete it afterwards. As root (initdb refuses root) the
 * server runs as the `postgres` OS user through `runuser`.
 *
 * Missing binaries skip the tests with a printed reason locally, and fail them when CI=true.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PostgresBinaries {
  readonly bindir: string;
}

const REQUIRED = ["initdb", "pg_ctl", "postgres"] as const;

function hasAll(bindir: string): boolean {
  return REQUIRED.every((name) => existsSync(join(bindir, name)));
}

/** Where initdb, pg_ctl and postgres live, or undefined. */
export function findPostgresBinaries(): PostgresBinaries | undefined {
  try {
    const bindir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
    if (bindir !== "" && hasAll(bindir)) return { bindir };
  } catch {
    // no pg_config on PATH
  }
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const bindir = join(root, version, "bin");
      if (hasAll(bindir)) return { bindir };
    }
  }
  return undefined;
}

/**
 * The binaries, or undefined after printing why the tests are skipped. Throws under CI=true,
 * where a missing service is a broken set-up rather than a reason to skip.
 */
export function postgresOrSkip(): PostgresBinaries | undefined {
  const binaries = findPostgresBinaries();
  if (binaries !== undefined) return binaries;
  const reason =
    "Postgres binaries not found (pg_config --bindir, /usr/lib/postgresql/*/bin); " +
    "install the Debian package 'postgresql' to run the @wf/store Postgres integration tests";
  if (process.env.CI === "true") throw new Error(`${reason} (required when CI=true)`);
  console.warn(`skipping: ${reason}`);
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly adminUrl: string;
  /** Create an empty database; resolves to its URL. */
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startPostgres(binaries: PostgresBinaries): Promise<PostgresCluster> {
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), "wf-pg-"));
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");
  if (asRoot) chownSync(dir, postgresUid(), postgresGid());

  const run = (tool: string, args: readonly string[]) => {
    const command = join(binaries.bindir, tool);
    const result = asRoot
      ? spawnSync("runuser", ["-u", "postgres", "--", command, ...args], { encoding: "utf8" })
      : spawnSync(command, args, { encoding: "utf8" });
    if (result.status !== 0) {
      throw new Error(
        `${tool} ${args.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr}${result.stdout}`,
      );
    }
  };

  run("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-sync",
    "--no-instructions",
  ]);
  const port = await freePort();
  // Durability is not what these tests are about; speed is welcome.
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
  ].join(" ");
  try {
    run("pg_ctl", ["-D", data, "-l", logFile, "-o", options, "-w", "-t", "60", "start"]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let stopped = false;

  return {
    adminUrl,
    async createDatabase(name) {
      await admin.query(`CREATE DATABASE "${name}"`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async dropDatabase(name) {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await admin.end().catch(() => undefined);
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function idOf(flag: "-u" | "-g"): number {
  return Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
}
function postgresUid(): number {
  return idOf("-u");
}
function postgresGid(): number {
  return idOf("-g");
}
