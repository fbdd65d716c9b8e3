import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import {
  WORKER_ARGV,
  childEnv,
  workerEntryUrl,
  workerExecArgv,
} from "../../src/task-runners/pool/worker-launch.js";

describe("pool worker launch", () => {
  test("the entry script is found next to the sources", () => {
    const path = fileURLToPath(workerEntryUrl());
    expect(path).toMatch(/src\/task-runners\/pool\/worker-entry\.mjs$/);
    expect(existsSync(path)).toBe(true);
  });

  test("running from sources, workers resolve workspaces through wf-source", () => {
    expect(WORKER_ARGV).toEqual(["--wf-source-conditions"]);
  });

  test("tsx preloads are dropped from the workers' Node options, others kept", () => {
    expect(
      workerExecArgv([
        "--conditions=wf-source",
        "--import",
        "tsx",
        "--require",
        "/app/node_modules/tsx/dist/preflight.cjs",
        "--import=file:///app/node_modules/tsx/dist/loader.mjs",
        "--import",
        "./telemetry.mjs",
        "--max-old-space-size=512",
        "--require=./setup.cjs",
      ]),
    ).toEqual([
      "--conditions=wf-source",
      "--import",
      "./telemetry.mjs",
      "--max-old-space-size=512",
      "--require",
      "./setup.cjs",
    ]);
  });

  test("children do not get NODE_EXTRA_CA_CERTS unless asked for it", () => {
    const env = { PATH: "/bin", NODE_EXTRA_CA_CERTS: "/etc/ca.pem" };
    expect(childEnv({ EXTRA: "1" }, env)).toEqual({ PATH: "/bin", EXTRA: "1" });
    expect(childEnv({ NODE_EXTRA_CA_CERTS: "/mine.pem" }, env).NODE_EXTRA_CA_CERTS).toBe(
      "/mine.pem",
    );
  });
});
