/**
 * The Orchestrator port: everything the engine asks of its backend. The embedded implementation
 * (`@wf/store`) keeps the database in process; the HTTP client to `wf server` comes later.
 *
 * Hot-path rule: `save*`, `append*` and `writeCache` only queue (write-behind) and never wait on the
 * database. `flush()` commits the queue in one transaction per batch; the engine calls it before it
 * reports a flow run's final state. The engine keeps one record object per run and mutates it on
 * each state change, so an implementation may coalesce queued snapshots by id and read the latest.
 */
import type { BlockRepository } from "./plugin/block-records.js";
import type { StateDetails, StateType } from "./states.js";

export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Where a persisted result lives: a key in a Storage and the serializer that wrote it. */
export interface ResultRecord {
  readonly storageKey: string;
  readonly serializer: string;
  /** A short, JSON-safe preview of the value for listings (truncated). */
  readonly preview?: string;
}

interface RunRecordBase {
  readonly id: string;
  name: string;
  tags: readonly string[];
  stateType: StateType;
  stateName: string;
  stateMessage: string | undefined;
  /** Milliseconds since the epoch. */
  stateTimestamp: number;
  stateDetails: StateDetails | undefined;
  readonly createdAt: number;
  startTime: number | undefined;
  endTime: number | undefined;
  /** How many times the run's function was called (retries add one each). */
  runCount: number;
  result: ResultRecord | undefined;
}

export interface FlowRunRecord extends RunRecordBase {
  readonly flowName: string;
  readonly flowVersion: string | undefined;
  readonly parameters: Record<string, JsonValue>;
  readonly parentFlowRunId: string | undefined;
  readonly parentTaskRunId: string | undefined;
  /**
   * Where the flow is defined, as `<absolute file>:<flow name>` (what `wf run` takes), so a
   * server can run it again (retry); absent when the flow was not defined in a file.
   */
  readonly entrypoint?: string;
  /** The process that runs it, so a dead owner can be detected and its run marked Crashed. */
  readonly pid: number;
  readonly hostname: string;
}

export interface TaskRunRecord extends RunRecordBase {
  readonly taskKey: string;
  readonly flowRunId: string | undefined;
  cacheKey: string | undefined;
  /** Parameter name -> ids of the upstream task runs whose futures were passed in. */
  readonly upstream: Record<string, readonly string[]>;
  readonly pid: number;
  readonly hostname: string;
}

export interface StateRecord {
  readonly id: string;
  readonly runId: string;
  readonly runKind: "flow" | "task";
  readonly type: StateType;
  readonly name: string;
  readonly message: string | undefined;
  readonly timestamp: number;
  readonly details: StateDetails | undefined;
}

export const LogLevel = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export interface LogRecord {
  readonly flowRunId: string | undefined;
  readonly taskRunId: string | undefined;
  readonly level: LogLevel;
  /** The logger's name, e.g. "wf.flow_runs" or "wf.task_runs". */
  readonly logger: string;
  readonly message: string;
  readonly timestamp: number;
}

export interface EventResource {
  readonly "wf.resource.id": string;
  readonly [label: string]: string;
}

export interface EventRecord {
  readonly id: string;
  readonly event: string;
  readonly occurred: number;
  readonly resource: EventResource;
  readonly related: readonly EventResource[];
  readonly payload: Record<string, JsonValue>;
}

export interface CacheRecord {
  readonly key: string;
  readonly result: ResultRecord;
  /** Milliseconds since the epoch; undefined never expires. */
  readonly expiresAt: number | undefined;
  readonly createdAt: number;
}

/** Commands another process sends to a running flow run. */
export type RunCommand =
  { readonly kind: "cancel" } | { readonly kind: "resume"; readonly input: JsonValue | undefined };

/** Held concurrency slots; `release()` is idempotent. */
export interface ConcurrencyLease {
  readonly tags: readonly string[];
  release(): void;
}

export interface AcquireSlotsOptions {
  readonly signal?: AbortSignal;
  /** Called once, the first time the caller has to wait for a slot. */
  readonly onWait?: (tags: readonly string[]) => void;
}

export interface Orchestrator {
  /** "embedded", "memory" or "http". */
  readonly kind: string;
  /** Human-readable location shown to users ("/home/me/.wf/wf.db"). */
  readonly location: string;

  saveFlowRun(run: FlowRunRecord): void;
  saveTaskRun(run: TaskRunRecord): void;
  /**
   * A state for a run's history, queued after (or with) the run's own row. It is also the
   * `wf.<kind>-run.<State>` event announcing the change: readers of events build that from the
   * state (`stateChangeEvent` in state-events.ts); no event is appended for it.
   */
  appendState(state: StateRecord): void;
  appendLog(log: LogRecord): void;
  /** Any other event (`emitEvent`, the server's retry event). */
  appendEvent(event: EventRecord): void;
  writeCache(record: CacheRecord): void;

  /** Commit everything queued; resolves once it is durable. */
  flush(): Promise<void>;
  /** Commit synchronously if the backend can (crash handlers); false if it cannot. */
  flushSync(): boolean;

  /** A live (unexpired) cache record, or undefined. */
  readCache(key: string, signal?: AbortSignal): Promise<CacheRecord | undefined>;

  /**
   * Take one slot of every limited tag among `tags`, waiting while any is full. Resolves to
   * undefined without touching the database when none of the tags has a limit.
   */
  acquireConcurrencySlots(
    tags: readonly string[],
    holderId: string,
    options?: AcquireSlotsOptions,
  ): Promise<ConcurrencyLease | undefined>;

  /** Saved block types and documents (durable writes, unlike the run writes above). */
  readonly blocks: BlockRepository;

  /** Deliver cancel/resume commands sent to this flow run by other processes; returns unsubscribe. */
  watchFlowRun(flowRunId: string, onCommand: (command: RunCommand) => void): () => void;

  close(): Promise<void>;
}
