/** `WF_DATABASE_URL` parsing: a SQLite path (plain, `sqlite://`, `file:`) or a Postgres URL. */
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigurationError } from "./wf-core.js";

export type DatabaseTarget =
  | { readonly dialect: "sqlite"; readonly path: string }
  | { readonly dialect: "postgres"; readonly connectionString: string };

export const SQLITE_MEMORY = ":memory:";

function expandHome(path: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return path;
}

function sqlitePath(raw: string): DatabaseTarget {
  const path = raw.split("?")[0] ?? "";
  if (path === "") {
    throw new ConfigurationError(
      "WF_DATABASE_URL names no SQLite file; use a path such as ~/.wf/wf.db or sqlite:///abs/path.db",
    );
  }
  if (path === SQLITE_MEMORY) return { dialect: "sqlite", path };
  const expanded = expandHome(path);
  return { dialect: "sqlite", path: isAbsolute(expanded) ? expanded : resolve(expanded) };
}

/**
 * Accepted forms: `/path/wf.db`, `./wf.db`, `~/wf.db`, `sqlite:///abs/wf.db`, `sqlite://rel/wf.db`,
 * `sqlite::memory:`, `file:///abs/wf.db`, `file:rel/wf.db`, `postgres://...`, `postgresql://...`.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const value = url.trim();
  if (/^postgres(ql)?:\/\//i.test(value)) return { dialect: "postgres", connectionString: value };
  if (/^sqlite:/i.test(value)) {
    let rest = value.slice("sqlite:".length);
    if (rest.startsWith("//")) rest = rest.slice(2);
    return sqlitePath(rest);
  }
  if (/^file:/i.test(value)) {
    if (value.toLowerCase().startsWith("file://"))
      return sqlitePath(fileURLToPath(value.split("?")[0] ?? value));
    return sqlitePath(value.slice("file:".length));
  }
  // A scheme of two letters or more (one letter is a Windows drive) is a database we do not speak.
  const scheme = /^([a-z][a-z0-9+.-]+):\/\//i.exec(value);
  if (scheme) {
    throw new ConfigurationError(
      `WF_DATABASE_URL uses '${scheme[1]}://', which wf does not support; use a SQLite path ` +
        "(~/.wf/wf.db, sqlite:///path/wf.db) or a Postgres URL (postgres://user:pass@host:5432/db)",
    );
  }
  return sqlitePath(value);
}

/** The URL with any password masked, for messages and `Orchestrator.location`. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.dialect === "sqlite") return target.path;
  try {
    const parsed = new URL(target.connectionString);
    if (parsed.password) parsed.password = "********";
    return parsed.toString();
  } catch {
    return "postgres://(unparseable URL)";
  }
}
