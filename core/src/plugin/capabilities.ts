/** What a block type's instances are, so a name can be checked before it is used as one. */
export const Capability = {
  STORAGE: "storage",
  INFRASTRUCTURE: "infrastructure",
  TASK_RUNNER: "task-runner",
  NOTIFIER: "notifier",
  SECRET_BACKEND: "secret-backend",
  CREDENTIALS: "credentials",
} as const;
export type Capability = (typeof Capability)[keyof typeof Capability];
