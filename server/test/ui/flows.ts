/** Real flows for the UI tests: concurrent tasks with dependencies and a subflow, a failure, a
 * long-running flow to cancel, a flow that pauses for input; and a block type with every kind of
 * field the generated forms handle. */
import { flow, getRunContext, getRunLogger, pauseFlowRun, task } from "@wf/core";
import { blockRef, definePlugin, defineBlockType, secret } from "@wf/core/plugin";
import { Secret } from "@wf/blocks";
import { z } from "zod";

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

const extract = task(async function extract(batch: number) {
  getRunLogger().info(`extracting batch ${batch}`);
  await sleep(300);
  return Array.from({ length: 3 }, (_, i) => batch * 10 + i);
});

const transform = task(async function transform(a: number[], b: number[]) {
  getRunLogger().info(`transforming ${a.length + b.length} rows`);
  await sleep(100);
  return [...a, ...b].map((n) => n * 2);
});

export const report = flow(async function ui_report(rows: number[]) {
  getRunLogger().info(`reporting ${rows.length} rows`);
  return rows.reduce((s, n) => s + n, 0);
});

/** Two extracts at once (two timeline lanes), a transform that depends on both, a subflow. */
export const pipeline = flow(
  { tags: ["etl", "nightly"] },
  async function ui_pipeline(source: string, batches: number) {
    getRunLogger().info(`reading ${batches} batches from ${source}`);
    const a = extract.submit(1);
    const b = extract.submit(2);
    const rows = await transform.submit(a, b);
    return report(rows);
  },
);

export const failing = flow(async function ui_failing() {
  getRunLogger().error("the upstream API answered 503");
  throw new Error("upstream API returned 503 Service Unavailable");
});

const nap = task(async function nap(seconds: number) {
  const { signal } = getRunContext();
  for (let i = 1; i <= seconds * 4; i++) {
    getRunLogger().info(`tick ${i}`);
    await sleep(250, signal);
  }
  return "woke up";
});

/** Runs for a minute unless cancelled; logs a tick every 250 ms. */
export const sleeper = flow(async function ui_sleeper(seconds: number) {
  return nap(seconds);
});

export const ApprovalInput = z.object({
  approved: z.boolean(),
  reviewer: z.string().min(1),
  level: z.enum(["low", "high"]),
});

/** Pauses until resumed with an approval; returns what was entered. */
export const approval = flow(async function ui_approval() {
  const input = await pauseFlowRun({
    input: ApprovalInput,
    timeoutSeconds: 120,
    message: "waiting for a reviewer",
  });
  getRunLogger().info(`approved by ${input.reviewer}`);
  return input;
});

/** A block type with a field of every kind the UI's generated forms handle. */
export const TestConnection = defineBlockType({
  slug: "ui-test-connection",
  displayName: "UI Test Connection",
  description: "A connection with one field of each kind, for the UI's form tests.",
  capabilities: ["credentials"],
  schema: z.object({
    host: z.string().min(1).describe("The server's host name"),
    port: z.number().int().min(1).max(65535).default(5432).describe("TCP port"),
    mode: z.enum(["read", "write"]).describe("Access mode"),
    tls: z.boolean().default(true).describe("Use TLS"),
    password: secret(z.string().min(1)).describe("The password; stored encrypted"),
    replicas: z.array(z.string()).optional().describe("Replica host names"),
    options: z
      .object({
        timeoutSeconds: z.number().positive().optional(),
        applicationName: z.string().optional(),
      })
      .optional(),
    credentials: blockRef(Secret).optional().describe("A saved secret block"),
  }),
  create: (config) => config,
});

export const testPlugin = definePlugin({ name: "ui-test-plugin", blockTypes: [TestConnection] });
