/** `wf server start` and `wf server api-key` as real processes. */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { startWf, tempHome, waitFor, wf } from "./helpers.js";

let home: string;
let cleanup: () => void;
beforeEach(() => {
  ({ home, cleanup } = tempHome());
});
afterEach(() => cleanup());

async function started(running: ReturnType<typeof startWf>): Promise<string> {
  return waitFor(
    "the server's URL",
    () => {
      const match = /listening on (http:\/\/\S+)/.exec(running.stdout());
      if (match === null && running.child.exitCode !== null) {
        throw new Error(`wf server start exited:\n${running.stdout()}\n${running.stderr()}`);
      }
      return Promise.resolve(match?.[1]);
    },
    30_000,
  );
}

describe("wf server", () => {
  test("start answers /api/health, says it is unauthenticated, and stops on SIGTERM", async () => {
    const running = startWf(["server", "start", "--port", "0"], { home });
    const url = await started(running);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The notice is printed right after the URL line, but may reach the pipe in a later chunk.
    await waitFor(
      "the unauthenticated notice",
      () => Promise.resolve(/unauthenticated/.test(running.stdout()) || undefined),
      10_000,
    );
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    expect((await fetch(`${url}/api/v1/flow-runs`)).status).toBe(200);
    running.child.kill("SIGTERM");
    const result = await running.result;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Stopped/);
  });

  test("a non-loopback host without any key is refused", async () => {
    const result = await wf(["server", "start", "--host", "0.0.0.0", "--port", "0"], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/wf server api-key create <name>/);
  });

  test("api-key create prints a key once; it then works and is listed by prefix", async () => {
    const created = await wf(["server", "api-key", "create", "ci"], { home });
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^wf_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);

    const listed = await wf(["server", "api-key", "ls", "--json"], { home });
    const keys = JSON.parse(listed.stdout) as { name: string; prefix: string }[];
    expect(keys).toEqual([expect.objectContaining({ name: "ci", prefix: key.slice(3, 11) })]);
    expect(listed.stdout).not.toContain(key);

    const running = startWf(["server", "start", "--port", "0"], { home });
    try {
      const url = await started(running);
      expect(running.stdout()).not.toMatch(/unauthenticated/);
      expect((await fetch(`${url}/api/v1/flow-runs`)).status).toBe(401);
      const ok = await fetch(`${url}/api/v1/flow-runs`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(ok.status).toBe(200);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
    } finally {
      running.child.kill("SIGTERM");
      await running.result;
    }
  });

  test("api-key delete removes a key by name (or prefix when names repeat); unknown -> exit 1", async () => {
    const ci = (await wf(["server", "api-key", "create", "ci"], { home })).stdout.trim();
    const laptop = (await wf(["server", "api-key", "create", "laptop"], { home })).stdout.trim();
    expect(ci).toMatch(/^wf_/);

    const deleted = await wf(["server", "api-key", "delete", "ci"], { home });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Deleted API key 'ci' (wf_${ci.slice(3, 11)}_...)`);
    expect(deleted.stdout).not.toContain(ci);
    const names = async () =>
      (
        JSON.parse((await wf(["server", "api-key", "ls", "--json"], { home })).stdout) as {
          name: string;
        }[]
      ).map((k) => k.name);
    expect(await names()).toEqual(["laptop"]);

    const unknown = await wf(["server", "api-key", "delete", "ci"], { home });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no API key named 'ci'.*wf server api-key ls/);
    expect(await names()).toEqual(["laptop"]);

    // Two keys with one name: refused with their prefixes; then deleted by prefix.
    const twin = (await wf(["server", "api-key", "create", "laptop"], { home })).stdout.trim();
    const ambiguous = await wf(["server", "api-key", "delete", "laptop"], { home });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain(`wf_${twin.slice(3, 11)}_`);
    expect(await names()).toEqual(["laptop", "laptop"]);
    const byPrefix = await wf(["server", "api-key", "delete", `wf_${twin.slice(3, 11)}_`], {
      home,
    });
    expect(byPrefix.code, byPrefix.stderr).toBe(0);
    const left = JSON.parse((await wf(["server", "api-key", "ls", "--json"], { home })).stdout) as {
      prefix: string;
    }[];
    expect(left.map((k) => k.prefix)).toEqual([laptop.slice(3, 11)]);
  });
});
