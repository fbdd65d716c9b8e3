/**
 * A real s3rver for integration tests, on 127.0.0.1, a random free port and a fresh temporary
 * directory, with the buckets the test asks for. It runs in a child process (see
 * s3rver-process.mjs for why) that reports every request, so a test can show which S3 calls
 * happened — including calls made by other child processes.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { it } from "vitest";

/** s3rver's built-in account: public development values, not secrets. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

const LAUNCHER = fileURLToPath(new URL("./s3rver-process.mjs", import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface RunningS3rver {
  /** `http://127.0.0.1:<port>` */
  readonly endpointUrl: string;
  /** Where s3rver keeps its buckets on disk. */
  readonly directory: string;
  /** `"<METHOD> <url>"` of every request answered so far, in arrival order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startS3rver(buckets: readonly string[]): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), "wf-s3rver-"));
  const child = spawn(
    process.execPath,
    ["--openssl-legacy-provider", LAUNCHER, directory, ...buckets],
    { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } },
  );
  const requests: string[] = [];
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const cleanUp = async () => {
    child.stdin.end();
    child.kill("SIGTERM");
    await exited;
    await rm(directory, { recursive: true, force: true });
  };
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer within 30s")), START_TIMEOUT_MS);
      child.once("error", reject);
      child.once("exit", (code) =>
        reject(new Error(`it exited with code ${code}: ${stderr.trim().slice(-500)}`)),
      );
      createInterface({ input: child.stdout }).on("line", (line) => {
        const message = JSON.parse(line) as { port?: number; request?: string; error?: string };
        if (message.request !== undefined) requests.push(message.request);
        else if (message.error !== undefined) reject(new Error(message.error));
        else if (message.port !== undefined) {
          clearTimeout(timer);
          resolve(message.port);
        }
      });
    });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    endpointUrl: `http://127.0.0.1:${port}`,
    directory,
    requests,
    close: () => (closing ??= cleanUp()),
  };
}

/**
 * Start s3rver, or report why not: locally the tests that need it skip (the reason is printed);
 * with CI=true a failing test is registered instead, so a broken set-up cannot pass unnoticed.
 */
export async function startS3rverOrSkip(
  buckets: readonly string[],
): Promise<{ readonly server: RunningS3rver | undefined; readonly skip: string | false }> {
  try {
    return { server: await startS3rver(buckets), skip: false };
  } catch (error) {
    const reason = `s3rver could not start on 127.0.0.1: ${(error as Error).message}`;
    if (process.env.CI === "true") {
      it("starts s3rver (required when CI=true)", () => {
        throw new Error(reason);
      });
    } else {
      console.warn(`skipping S3 integration tests: ${reason}`);
    }
    return { server: undefined, skip: reason };
  }
}
