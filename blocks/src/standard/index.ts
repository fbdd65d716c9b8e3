/**
 * The standard block types, dependency-free, and the plugin that provides them. Each type is
 * named for its slug; the ones that would shadow a global or a core class end in `Block`.
 */
import { definePlugin } from "@wf/core/plugin";
import { ConcurrentTaskRunnerBlock } from "./concurrent-task-runner.js";
import { JsonBlock } from "./json.js";
import { LocalFileSystem } from "./local-file-system.js";
import { Process } from "./process.js";
import { ProcessPoolTaskRunnerBlock } from "./process-pool-task-runner.js";
import { Secret } from "./secret.js";
import { StringBlock } from "./string.js";
import { ThreadPoolTaskRunnerBlock } from "./thread-pool-task-runner.js";
import { Webhook } from "./webhook.js";

export { ConcurrentTaskRunnerBlock } from "./concurrent-task-runner.js";
export { JsonBlock } from "./json.js";
export { LocalFileSystem } from "./local-file-system.js";
export { Process } from "./process.js";
export { DEFAULT_KILL_GRACE_SECONDS, ProcessInfrastructure } from "./process-infrastructure.js";
export type { ProcessInfrastructureOptions } from "./process-infrastructure.js";
export { ProcessPoolTaskRunnerBlock } from "./process-pool-task-runner.js";
export { Secret, SecretValue } from "./secret.js";
export { StringBlock } from "./string.js";
export { ThreadPoolTaskRunnerBlock } from "./thread-pool-task-runner.js";
export { Webhook } from "./webhook.js";
export { DEFAULT_WEBHOOK_TIMEOUT_SECONDS, WebhookNotifier } from "./webhook-notifier.js";
export type { WebhookNotifierOptions } from "./webhook-notifier.js";

/** Every standard block type, in the order `wf block types` lists them. */
export const standardBlockTypes = [
  Secret,
  JsonBlock,
  StringBlock,
  LocalFileSystem,
  Process,
  Webhook,
  ConcurrentTaskRunnerBlock,
  ThreadPoolTaskRunnerBlock,
  ProcessPoolTaskRunnerBlock,
] as const;

/** The plugin wf loads for the standard block types. */
export const standardPlugin = definePlugin({ name: "@wf/blocks", blockTypes: standardBlockTypes });
