/** @wf/store: the run store (SQLite embedded, Postgres at scale) and the embedded orchestrator. */
export {
  openStore,
  createEmbeddedOrchestrator,
  resolveDatabaseUrl,
  type OpenStoreOptions,
  type Store,
} from "./open-store.js";
export {
  EmbeddedOrchestrator,
  DEFAULT_FLUSH_THRESHOLD,
  DEFAULT_COMMAND_POLL_INTERVAL_MS,
  type EmbeddedOrchestratorOptions,
} from "./embedded-orchestrator.js";
export {
  RunStore,
  flowRunResourceId,
  type ConcurrencyLimitInfo,
  type CreateConcurrencyLimitOptions,
  type FlowSummary,
  type ListEventsOptions,
  type ListFlowRunsOptions,
  type ListLogsOptions,
  type ListTaskRunsOptions,
  type RunStoreOptions,
  type SetStateInput,
  type SortOrder,
} from "./run-store.js";
export {
  ChangeFeed,
  DEFAULT_CHANGE_LOOKBACK_MS,
  DEFAULT_CHANGE_PAGE_SIZE,
  type ChangeBatch,
  type ChangeFeedOptions,
} from "./change-feed.js";
export { WriteQueue } from "./wf-core.js";
export type { AcquireAttempt, SlotOwner } from "./concurrency.js";
// The JSON views are the subpath `@wf/store/json-views`: `wf run` does not load them.
export { ApiKeyStore, looksLikeApiKey, type ApiKeyInfo, type CreatedApiKey } from "./api-keys.js";
export type { StoredLogRecord } from "./rows.js";
export { parseDatabaseUrl, type DatabaseTarget } from "./database-url.js";
export { storeMigrations } from "./migrations.js";
export type { StoreDatabase, StoreDialect } from "./schema.js";
