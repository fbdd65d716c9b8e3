import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { parseDatabaseUrl } from "../src/index.js";
import { describeTarget } from "../src/database-url.js";

describe("WF_DATABASE_URL", () => {
  test.each([
    ["/var/wf/wf.db", "/var/wf/wf.db"],
    ["wf.db", resolve("wf.db")],
    ["~/x/wf.db", join(homedir(), "x/wf.db")],
    ["sqlite:///var/wf/wf.db", "/var/wf/wf.db"],
    ["sqlite://data/wf.db", resolve("data/wf.db")],
    ["sqlite:/var/wf/wf.db", "/var/wf/wf.db"],
    ["file:///var/wf/wf.db", "/var/wf/wf.db"],
    ["file:data/wf.db", resolve("data/wf.db")],
    ["sqlite::memory:", ":memory:"],
    [":memory:", ":memory:"],
  ])("%s is the SQLite file %s", (url, path) => {
    expect(parseDatabaseUrl(url)).toEqual({ dialect: "sqlite", path });
  });

  test.each(["postgres://u:p@h:5432/db", "postgresql://h/db?sslmode=disable", "POSTGRES://h/db"])(
    "%s is Postgres",
    (url) => {
      expect(parseDatabaseUrl(url)).toEqual({ dialect: "postgres", connectionString: url });
    },
  );

  test("other schemes are refused, Windows drive letters are paths", () => {
    expect(() => parseDatabaseUrl("mysql://h/db")).toThrow(/mysql/);
    expect(parseDatabaseUrl("C:/wf/wf.db").dialect).toBe("sqlite");
    expect(() => parseDatabaseUrl("sqlite://")).toThrow(/names no SQLite file/);
  });

  test("passwords are masked in the location shown to people", () => {
    expect(describeTarget(parseDatabaseUrl("postgres://me:secret@db:5432/wf"))).toBe(
      "postgres://me:********@db:5432/wf",
    );
  });
});
