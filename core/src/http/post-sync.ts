/**
 * A blocking POST for crash handlers (`flushSync()`): a process that is exiting gets no more turns
 * of its event loop, so the requests run in a short-lived child Node process while this one waits
 * for it. The key goes through the child's environment, never its command line.
 */
import { spawnSync } from "node:child_process";

const CHILD_SCRIPT = `
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const bodies = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const headers = { "content-type": "application/json" };
if (process.env.WF_SYNC_POST_KEY) headers.authorization = "Bearer " + process.env.WF_SYNC_POST_KEY;
for (const body of bodies) {
  const response = await fetch(process.env.WF_SYNC_POST_URL, { method: "POST", headers, body });
  if (!response.ok) process.exit(1);
}
`;

export interface PostBodiesSyncOptions {
  readonly url: string;
  readonly apiKey: string | undefined;
  readonly bodies: readonly string[];
  readonly timeoutMs: number;
}

/** POST each body in order; true when the server accepted them all within the time. */
export function postBodiesSync(options: PostBodiesSyncOptions): boolean {
  if (options.bodies.length === 0) return true;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, WF_SYNC_POST_URL: options.url };
  if (options.apiKey) env.WF_SYNC_POST_KEY = options.apiKey;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", CHILD_SCRIPT], {
    input: JSON.stringify(options.bodies),
    env,
    timeout: options.timeoutMs,
    stdio: ["pipe", "ignore", "ignore"],
  });
  return result.status === 0;
}
