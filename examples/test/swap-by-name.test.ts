// Swap by name: one unchanged flow file, run three times in a real project — with the default
// result storage, then with results in `local-file-system/other`, then in `s3-bucket/results` on a
// real S3-compatible server — and its results are found where each says. The project finds the
// s3-bucket type the way users' projects do: @wf/aws is in its package.json dependencies.
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wf } from "../../cli/test/helpers.js";
import {
  S3RVER_CREDENTIALS,
  startS3rverOrSkip,
  type RunningS3rver,
} from "../../integrations/aws/test/support/s3rver.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUCKET = "wf-swap-results";

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)));
  } catch {
    return [];
  }
}

const { server, skip } = await startS3rverOrSkip([BUCKET]);

describe.skipIf(skip)("one flow file, three result storages chosen by name", () => {
  let project: string;
  let home: string;
  let other: string;
  const s3 = server as RunningS3rver;

  const run = (args: string[], env: Record<string, string> = {}) =>
    wf(args, { home, cwd: project, env, timeoutMs: 90_000 });

  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), "wf-swap-project-"));
    home = mkdtempSync(join(tmpdir(), "wf-swap-home-"));
    other = mkdtempSync(join(tmpdir(), "wf-swap-other-"));
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({
        name: "swap-project",
        private: true,
        type: "module",
        dependencies: { "@wf/core": "0.1.0", "@wf/aws": "0.1.0" },
      }),
    );
    symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"), "dir");
    mkdirSync(join(project, "flows"));
    copyFileSync(
      join(ROOT, "examples/test/fixtures/swap-flow.ts"),
      join(project, "flows/report.ts"),
    );

    const blocks: [string, unknown][] = [
      ["local-file-system/other", { basePath: other }],
      [
        "aws-credentials/local",
        { ...S3RVER_CREDENTIALS, endpointUrl: s3.endpointUrl, region: "us-east-1" },
      ],
      [
        "s3-bucket/results",
        { bucketName: BUCKET, basePath: "wf", credentials: "aws-credentials/local" },
      ],
    ];
    for (const [name, config] of blocks) {
      const created = await run(["block", "create", name, "--json", JSON.stringify(config)]);
      expect(created.code, created.stderr).toBe(0);
    }
  }, 180_000);

  afterAll(async () => {
    await s3?.close();
    for (const dir of [project, home, other]) rmSync(dir, { recursive: true, force: true });
  });

  async function runReport(env: Record<string, string>): Promise<void> {
    const result = await run(["run", "flows/report.ts:report", "--json"], env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).result).toEqual({ answer: 42 });
  }

  it("keeps results under $WF_HOME/storage by default", async () => {
    await runReport({});
    const files = filesUnder(join(home, "storage"));
    expect(files).toHaveLength(2); // the task's result and the flow's
    const values = files.map((f) => JSON.parse(readFileSync(join(home, "storage", f), "utf8")));
    expect(values).toContainEqual({ answer: 42 });
    expect(filesUnder(other)).toEqual([]);
  });

  it("puts them in local-file-system/other when that is the default", async () => {
    await runReport({ WF_DEFAULT_RESULT_STORAGE: "local-file-system/other" });
    const files = filesUnder(other);
    expect(files).toHaveLength(2);
    const values = files.map((f) => JSON.parse(readFileSync(join(other, f), "utf8")));
    expect(values).toContainEqual({ answer: 42 });
    expect(filesUnder(join(home, "storage"))).toHaveLength(2); // unchanged from the first run
  });

  it("puts them in s3-bucket/results on the S3 server when that is the default", async () => {
    const before = s3.requests.length;
    await runReport({ WF_DEFAULT_RESULT_STORAGE: "s3-bucket/results" });
    const puts = s3.requests
      .slice(before)
      .filter((r) => r.startsWith("PUT ") && r.includes(`/${BUCKET}/wf/`));
    expect(puts).toHaveLength(2);
    expect(filesUnder(other)).toHaveLength(2);
    expect(filesUnder(join(home, "storage"))).toHaveLength(2);
    // And the objects on the server hold the values (s3rver keeps each object's bytes in a file).
    const stored = filesUnder(join(s3.directory, BUCKET)).filter((f) =>
      f.endsWith("._S3rver_object"),
    );
    expect(stored).toHaveLength(2);
    const values = stored.map((f) =>
      JSON.parse(readFileSync(join(s3.directory, BUCKET, f), "utf8")),
    );
    expect(values).toContainEqual({ answer: 42 });
  });
});
