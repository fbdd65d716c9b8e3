// `wf secrets rotate-key` (key file and WF_ENCRYPTION_KEY) and `wf config` never showing keys.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CLI_ROOT, FIXTURES, parseJson, tempHome, wf, type WfResult } from "./helpers.js";

vi.setConfig({ testTimeout: 120_000 });

const LOAD_BLOCKS = join(FIXTURES, "blocks", "load-blocks.ts");
const TOKEN = "s3cret-token-1";
const HEADER = "Bearer hdr-5150";

let home: string;
let cleanup: () => void;
beforeEach(() => {
  ({ home, cleanup } = tempHome());
});
afterEach(() => cleanup());

const newKey = (): string => randomBytes(32).toString("base64");

/** Load blocks the way flow code does (`loadBlock`), in a plain Node process; their values. */
async function loadValues(
  names: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<Record<string, unknown>> {
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("WF_") && key !== "NODE_OPTIONS") childEnv[key] = value;
  }
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--conditions=wf-source", LOAD_BLOCKS, ...names],
    { cwd: CLI_ROOT, env: { ...childEnv, WF_HOME: home, ...env } },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Two blocks with secret fields: a `secret` and a webhook with a secret header. */
async function saveTwoBlocks(env: Readonly<Record<string, string>>): Promise<void> {
  const results = await Promise.all([
    wf(["block", "create", "secret/token", "--json", JSON.stringify({ value: TOKEN })], {
      home,
      env,
    }),
    wf(
      [
        "block",
        "create",
        "webhook/alerts",
        "--json",
        JSON.stringify({ url: "https://hooks.example.com/wf", headers: { Authorization: HEADER } }),
      ],
      { home, env },
    ),
  ]);
  for (const r of results) expect(r.code, r.stderr).toBe(0);
}

interface RotationJson {
  keyId: string;
  source: string;
  location: string;
  rewrapped: number;
  previousKeyIds: string[];
  previousKeysRemoved: boolean;
  nextStep: string | null;
}

describe("wf secrets rotate-key", () => {
  it("re-wraps every block with a new key file key; blocks still open, the key is never shown", async () => {
    const env = { WF_ENCRYPTION_KEY_SOURCE: "file" };
    await saveTwoBlocks(env);
    const keyFile = join(home, "encryption.key");
    const before = JSON.parse(readFileSync(keyFile, "utf8")) as {
      current: string;
      keys: { id: string; key: string }[];
    };

    const rotated = await wf(["secrets", "rotate-key"], { home, env });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain(
      "Rotated the encryption key: re-wrapped 2 block documents with a new key.",
    );
    expect(rotated.stdout).toMatch(/^key id\s+file-[0-9a-f]{12}$/m);
    expect(rotated.stdout).toContain(`file (${keyFile})`);
    expect(rotated.stdout).toMatch(new RegExp(`^removed keys\\s+${before.current}$`, "m"));

    const after = JSON.parse(readFileSync(keyFile, "utf8")) as typeof before;
    expect(after.keys.map((k) => k.id)).toEqual([after.current]);
    expect(after.current).not.toBe(before.current);
    expect(rotated.stdout).toContain(after.current);

    const checks = await Promise.all([
      wf(["block", "test", "secret/token"], { home, env }),
      wf(["block", "test", "webhook/alerts"], { home, env }),
      wf(["block", "inspect", "webhook/alerts", "--json"], { home, env }),
    ]);
    const [testToken, testWebhook, inspected] = checks as [WfResult, WfResult, WfResult];
    expect(testToken.code, testToken.stderr).toBe(0);
    expect(testWebhook.code, testWebhook.stderr).toBe(0);
    expect(parseJson<{ data: unknown }>(inspected).data).toMatchObject({
      headers: { Authorization: "********" },
    });
    // Building the webhook decrypts its header: both documents open under the new key.

    const again = await wf(["secrets", "rotate-key", "--json"], { home, env });
    checks.push(again);
    const second = parseJson<RotationJson>(again);
    expect(second).toMatchObject({
      source: "file",
      location: keyFile,
      rewrapped: 2,
      previousKeysRemoved: true,
      nextStep: null,
    });
    expect(second.keyId).not.toBe(after.current);

    // Loading through the block system yields the original values under the newest key.
    expect(await loadValues(["secret/token"], env)).toEqual({ "secret/token": TOKEN });

    const keys = [...before.keys, ...after.keys].map((k) => k.key);
    for (const r of [rotated, ...checks]) {
      const text = `${r.stdout}${r.stderr}`;
      for (const key of keys) expect(text).not.toContain(key);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain("hdr-5150");
    }
  });

  it("with WF_ENCRYPTION_KEY, explains the WF_ENCRYPTION_KEY_PREVIOUS procedure and follows it", async () => {
    const oldKey = newKey();
    const nextKey = newKey();
    await saveTwoBlocks({ WF_ENCRYPTION_KEY: oldKey });

    const explained = await wf(["secrets", "rotate-key"], {
      home,
      env: { WF_ENCRYPTION_KEY: oldKey },
    });
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stdout).toContain(
      "Re-wrapped 0 block documents with the key in WF_ENCRYPTION_KEY.",
    );
    expect(explained.stdout).toMatch(/^source\s+env \(WF_ENCRYPTION_KEY\)$/m);
    expect(explained.stdout).toContain("openssl rand -base64 32");
    expect(explained.stdout).toContain(
      "set WF_ENCRYPTION_KEY to the new key and WF_ENCRYPTION_KEY_PREVIOUS to the old one",
    );

    const rotated = await wf(["secrets", "rotate-key", "--json"], {
      home,
      env: { WF_ENCRYPTION_KEY: nextKey, WF_ENCRYPTION_KEY_PREVIOUS: oldKey },
    });
    const result = parseJson<RotationJson>(rotated);
    expect(result).toMatchObject({ source: "env", rewrapped: 2, previousKeysRemoved: false });
    expect(result.previousKeyIds).toHaveLength(1);
    expect(result.nextStep).toContain("remove WF_ENCRYPTION_KEY_PREVIOUS");

    // The old key is no longer needed; without the new one the blocks do not open.
    const [withNew, withOld] = await Promise.all([
      wf(["block", "test", "secret/token"], { home, env: { WF_ENCRYPTION_KEY: nextKey } }),
      wf(["block", "test", "secret/token"], { home, env: { WF_ENCRYPTION_KEY: oldKey } }),
    ]);
    expect(withNew.code, withNew.stderr).toBe(0);
    expect(withOld.code).toBe(1);
    expect(withOld.stderr).toContain("cannot decrypt block 'secret/token'");
    expect(await loadValues(["secret/token"], { WF_ENCRYPTION_KEY: nextKey })).toEqual({
      "secret/token": TOKEN,
    });

    for (const r of [explained, rotated, withNew, withOld]) {
      const text = `${r.stdout}${r.stderr}`;
      expect(text).not.toContain(oldKey);
      expect(text).not.toContain(nextKey);
      expect(text).not.toContain(TOKEN);
    }
  });
});

describe("wf config and secret settings", () => {
  it("never prints WF_ENCRYPTION_KEY or WF_ENCRYPTION_KEY_PREVIOUS", async () => {
    const key = newKey();
    const previous = `${newKey()},${newKey()}`;
    const set = await wf(["config", "set", `WF_ENCRYPTION_KEY_PREVIOUS=${previous}`], { home });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe("Set WF_ENCRYPTION_KEY_PREVIOUS='********' in profile 'default'.\n");

    const env = { WF_ENCRYPTION_KEY: key, WF_DATABASE_URL: "postgres://wf:pg-pass-77@db/wf" };
    const [plain, sources, json, profiles] = await Promise.all([
      wf(["config", "view"], { home, env }),
      wf(["config", "view", "--show-sources"], { home, env }),
      wf(["config", "view", "--json"], { home, env }),
      wf(["profile", "ls", "--json"], { home, env }),
    ]);
    const listed = parseJson<{ profiles: { settings: Record<string, string> }[] }>(profiles);
    expect(listed.profiles[0]?.settings.WF_ENCRYPTION_KEY_PREVIOUS).toBe("********");
    expect(plain.stdout).toContain("WF_ENCRYPTION_KEY='********' (from env)");
    expect(plain.stdout).toContain("WF_ENCRYPTION_KEY_PREVIOUS='********'");
    expect(plain.stdout).toContain("WF_DATABASE_URL='postgres://wf:********@db/wf'");
    expect(sources.stdout).toMatch(/^WF_ENCRYPTION_KEY\s+\*{8}\s+env$/m);
    expect(sources.stdout).toMatch(/^WF_ENCRYPTION_KEY_PREVIOUS\s+\*{8}\s+profile$/m);
    const view = parseJson<{ settings: Record<string, { value: string | null; source: string }> }>(
      json,
    );
    expect(view.settings.WF_ENCRYPTION_KEY).toEqual({ value: "********", source: "env" });
    expect(view.settings.WF_ENCRYPTION_KEY_PREVIOUS).toEqual({
      value: "********",
      source: "profile",
    });
    expect(view.settings.WF_ENCRYPTION_KEY_SOURCE?.value).toBe("auto");

    for (const r of [set, plain, sources, json, profiles]) {
      const text = `${r.stdout}${r.stderr}`;
      expect(text).not.toContain(key);
      for (const k of previous.split(",")) expect(text).not.toContain(k);
      expect(text).not.toContain("pg-pass-77");
    }
  });
});
