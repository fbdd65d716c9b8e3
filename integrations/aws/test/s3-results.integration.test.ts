// Results persisted to S3 by a real flow: the fixture flow runs twice, in two processes sharing
// one WF_HOME, against a real s3rver. The first run writes the task's result object into the
// bucket; the second gets a cache hit (state Cached) and reads the value back from S3.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsCredentials, S3Bucket } from "@wf/aws";
import { S3RVER_CREDENTIALS, startS3rverOrSkip } from "./support/s3rver.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURE = "integrations/aws/test/fixtures/s3-results-flow.ts";
const BUCKET = "wf-flow-results";
const OBJECT = `/${BUCKET}/wf-results/square-7`;

const { server, skip } = await startS3rverOrSkip([BUCKET]);
afterAll(() => server?.close());
// One WF_HOME (run store, cache records) shared by both runs of the fixture.
let home: string;

interface FlowOutcome {
  readonly pid: number;
  readonly stateType: string;
  readonly stateName: string;
  readonly value: { n: number; square: number; computedBy: number };
}

/** The fixture in a fresh process: no inherited WF_* or AWS_* settings, this test's WF_HOME. */
async function runFixture(): Promise<{ outcome: FlowOutcome; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(WF_|AWS_)/.test(key) || ["NODE_OPTIONS", "NODE_EXTRA_CA_CERTS"].includes(key)) continue;
    env[key] = value;
  }
  Object.assign(env, {
    WF_HOME: home,
    WF_LOGGING_LEVEL: "WARNING",
    NO_COLOR: "1",
    // Nothing may go looking for instance credentials off this machine.
    AWS_EC2_METADATA_DISABLED: "true",
    S3_FIXTURE_ENDPOINT_URL: server!.endpointUrl,
    S3_FIXTURE_BUCKET: BUCKET,
    S3_FIXTURE_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    S3_FIXTURE_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  });
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=wf-source", FIXTURE], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  }).finally(() => clearTimeout(timer));
  const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (code !== 0 || line === undefined) {
    throw new Error(`the fixture flow exited with ${code}:\n${stderr}\n${stdout}`);
  }
  return { outcome: JSON.parse(line.slice("RESULT ".length)) as FlowOutcome, stderr };
}

async function readObject(key: string): Promise<unknown> {
  const credentials = await AwsCredentials.create(
    AwsCredentials.schema.parse({ ...S3RVER_CREDENTIALS, endpointUrl: server!.endpointUrl }),
    { name: undefined },
  );
  const storage = await S3Bucket.create({ bucketName: BUCKET, credentials }, { name: undefined });
  try {
    return JSON.parse(Buffer.from(await storage.read(key)).toString("utf8"));
  } finally {
    await storage.close();
  }
}

describe.skipIf(skip)("task results persisted to S3 (s3rver)", () => {
  let first: FlowOutcome;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), "wf-aws-results-"));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("the first process computes the task and writes its result object into the bucket", async () => {
    const before = server!.requests.length;
    const { outcome, stderr } = await runFixture();
    first = outcome;
    expect(stderr).toContain(`computing square(7) in process ${outcome.pid}`);
    expect(outcome).toMatchObject({ stateType: "COMPLETED", stateName: "Completed" });
    expect(outcome.value).toEqual({ n: 7, square: 49, computedBy: outcome.pid });
    const traffic = server!.requests.slice(before);
    expect(traffic.some((r) => r.startsWith(`PUT ${OBJECT}?`))).toBe(true);
    // The object in the bucket is the task's value, serialized as JSON.
    expect(await readObject("wf-results/square-7")).toEqual(outcome.value);
  }, 120_000);

  it("a second process gets a cache hit and reads the value back from S3", async () => {
    expect(first, "the first run must have succeeded").toBeDefined();
    const before = server!.requests.length;
    const { outcome, stderr } = await runFixture();
    expect(outcome.pid).not.toBe(first.pid);
    expect(stderr).not.toContain("computing square");
    expect(outcome).toMatchObject({ stateType: "COMPLETED", stateName: "Cached" });
    // Computed by the first process: the value can only have come from the bucket.
    expect(outcome.value).toEqual(first.value);
    const traffic = server!.requests.slice(before);
    expect(traffic.filter((r) => r.startsWith(`GET ${OBJECT}?`))).toHaveLength(1);
    expect(traffic.some((r) => r.startsWith("PUT "))).toBe(false);
  }, 120_000);
});
