/**
 * The tables as kysely sees them. Timestamps are integer epoch milliseconds (bigint on Postgres,
 * parsed back to `number`), ids are text UUIDv7, JSON columns are text.
 */
import type { Generated } from "./kysely.js";

export interface FlowsTable {
  id: string;
  name: string;
  created: number;
}

/** Columns shared by flow runs and task runs. */
interface RunColumns {
  id: string;
  name: string;
  /** JSON array of strings. */
  tags: string;
  state_type: string;
  state_name: string;
  state_message: string | null;
  state_timestamp: number;
  /** JSON StateDetails or null. */
  state_details: string | null;
  created: number;
  start_time: number | null;
  end_time: number | null;
  run_count: number;
  /** JSON ResultRecord or null. */
  result: string | null;
  pid: number;
  hostname: string;
}

export interface FlowRunsTable extends RunColumns {
  flow_id: string;
  flow_name: string;
  flow_version: string | null;
  /** JSON object. */
  parameters: string;
  parent_flow_run_id: string | null;
  parent_task_run_id: string | null;
  /** `<file>:<flow name>`, for running the flow again (migration 0004). */
  entrypoint: string | null;
}

export interface TaskRunsTable extends RunColumns {
  flow_run_id: string | null;
  task_key: string;
  cache_key: string | null;
  /** JSON object: parameter name -> upstream task run ids. */
  upstream: string;
}

export interface RunStatesTable {
  id: string;
  run_id: string;
  run_kind: "flow" | "task";
  type: string;
  name: string;
  message: string | null;
  timestamp: number;
  details: string | null;
}

export interface LogsTable {
  id: Generated<number>;
  flow_run_id: string | null;
  task_run_id: string | null;
  level: number;
  logger: string;
  message: string;
  timestamp: number;
}

export interface EventsTable {
  id: string;
  event: string;
  occurred: number;
  /** The resource's `wf.resource.id`, for lookups by resource. */
  resource_id: string;
  resource: string;
  related: string;
  payload: string;
}

export interface CacheRecordsTable {
  key: string;
  result: string;
  expires_at: number | null;
  created: number;
}

export interface ConcurrencyLimitsTable {
  tag: string;
  limit: number;
  created: number;
}

export interface ConcurrencySlotsTable {
  tag: string;
  holder_id: string;
  pid: number;
  hostname: string;
  acquired_at: number;
  /**
   * Slots taken through the server (migration 0005): the holder renews them; one not renewed by
   * then belongs to a client that is gone. Null for slots of processes on the database directly.
   */
  lease_expires_at: number | null;
}

export interface RunCommandsTable {
  id: string;
  flow_run_id: string;
  kind: "cancel" | "resume";
  /** JSON: the resume input, or null. */
  payload: string | null;
  created: number;
  consumed_at: number | null;
}

export interface BlockTypesTable {
  slug: string;
  display_name: string;
  description: string;
  /** JSON array of strings. */
  capabilities: string;
  /** JSON Schema of the block's configuration. */
  schema: string;
  checksum: string;
  version: number;
  plugin: string | null;
  updated_at: number;
}

export interface BlockDocumentsTable {
  /** UUIDv7 chosen by the caller; kept when the document is overwritten. */
  id: string;
  slug: string;
  name: string;
  /** JSON object; secret fields are encrypted envelopes. */
  data: string;
  version: number;
  key_id: string | null;
  wrapped_key: string | null;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  /** The 8 characters after `wf_`: shown in listings, used to find the row. */
  prefix: string;
  /** Hex SHA-256 of the whole key. */
  hash: string;
  created_at: number;
  last_used_at: number | null;
}

export interface StoreDatabase {
  flows: FlowsTable;
  flow_runs: FlowRunsTable;
  task_runs: TaskRunsTable;
  run_states: RunStatesTable;
  logs: LogsTable;
  events: EventsTable;
  cache_records: CacheRecordsTable;
  concurrency_limits: ConcurrencyLimitsTable;
  concurrency_slots: ConcurrencySlotsTable;
  run_commands: RunCommandsTable;
  block_types: BlockTypesTable;
  block_documents: BlockDocumentsTable;
  api_keys: ApiKeysTable;
}

export type StoreDialect = "sqlite" | "postgres";
