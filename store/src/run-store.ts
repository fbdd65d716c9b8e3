/**
 * Queries and admin operations over the run store, for the CLI and the server: listing and
 * inspecting runs, logs and events, managing concurrency limits, sending commands to running
 * flow runs, and moving flow runs between states under the rules of `canTransition`.
 */
import type { Selectable } from "./kysely.js";
import { matchingStates, readStateEvents } from "./state-events.js";
import { ChangeFeed, type ChangeFeedOptions } from "./change-feed.js";
import { isOwnerDead, isSlotDead, HOSTNAME } from "./concurrency.js";
import {
  readEvent,
  readFlowRun,
  readLog,
  readState,
  readTaskRun,
  type StoredLogRecord,
} from "./rows.js";
import type { FlowRunsTable, TaskRunsTable } from "./schema.js";
import type { SqlClient, SqlExecutor } from "./sql-client.js";
import {
  ConfigurationError,
  DEFAULT_STATE_NAMES,
  InvalidTransitionError,
  NotFoundError,
  StateType,
  WfError,
  canTransition,
  isTerminal,
  newId,
  type EventRecord,
  type FlowRunRecord,
  type LogLevel,
  type RunCommand,
  type StateRecord,
  type TaskRunRecord,
  type TransitionOptions,
} from "./wf-core.js";

export type SortOrder = "asc" | "desc";

export interface ListFlowRunsOptions {
  readonly states?: readonly StateType[];
  readonly flowName?: string;
  readonly parentFlowRunId?: string;
  /** Only runs carrying this tag. */
  readonly tag?: string;
  /** Only runs created at or after this time (epoch ms). */
  readonly since?: number;
  /** Only runs created before this time (epoch ms). */
  readonly until?: number;
  /** Most rows returned; all when omitted. */
  readonly limit?: number;
  /** By creation time; newest first ("desc") unless told. */
  readonly order?: SortOrder;
}

export interface ListTaskRunsOptions {
  readonly flowRunId?: string;
  readonly states?: readonly StateType[];
  readonly taskKey?: string;
  readonly limit?: number;
  /** By creation time; newest first ("desc") unless told. */
  readonly order?: SortOrder;
}

export interface ListLogsOptions {
  readonly flowRunId?: string;
  readonly taskRunId?: string;
  /** Lowest level returned (LogLevel.WARNING = warnings and worse). */
  readonly minLevel?: LogLevel | number;
  /** Only lines stored after this log id (a cursor for following a run). */
  readonly afterId?: number;
  readonly limit?: number;
  /** Time order; oldest first ("asc") unless told. "desc" with `limit` gives the latest lines. */
  readonly order?: SortOrder;
}

export interface ListEventsOptions {
  /** Events whose name starts with this ("wf.flow-run." for every flow run event). */
  readonly eventPrefix?: string;
  /** The `wf.resource.id` of the event's resource. */
  readonly resourceId?: string;
  /** Only events that occurred at or after this time (epoch ms). */
  readonly since?: number;
  readonly limit?: number;
  /** Time order; oldest first ("asc") unless told. */
  readonly order?: SortOrder;
}

/** A flow (by name) with how many runs it has and when the latest was created. */
export interface FlowSummary {
  readonly name: string;
  readonly runCount: number;
  /** Creation time (epoch ms) of its newest run; undefined when it has none. */
  readonly lastRunAt: number | undefined;
}

export interface ConcurrencyLimitInfo {
  readonly tag: string;
  readonly limit: number;
  /** Slots held by live processes (slots of processes known to be dead are not counted). */
  readonly activeSlots: number;
  /** Holder ids (task run ids) of the active slots. */
  readonly holders: readonly string[];
  readonly createdAt: number;
}

export interface CreateConcurrencyLimitOptions {
  /** Replace the limit if the tag already has one. */
  readonly overwrite?: boolean;
}

export interface SetStateInput {
  readonly type: StateType;
  /** Defaults to the type's conventional name ("Cancelled", ...). */
  readonly name?: string;
  readonly message?: string;
}

export interface RunStoreOptions {
  /** Called before each operation, e.g. to flush this process's write-behind queue first. */
  readonly beforeQuery?: () => Promise<void>;
}

/** States whose run is owned by a live process; an owner that died leaves them Crashed. */
const OWNED_FLOW_RUN_STATES: readonly StateType[] = [
  StateType.RUNNING,
  StateType.PENDING,
  StateType.CANCELLING,
  StateType.PAUSED,
];
const UNFINISHED_STATES: readonly StateType[] = [
  StateType.SCHEDULED,
  StateType.PENDING,
  StateType.RUNNING,
  StateType.PAUSED,
  StateType.CANCELLING,
];
/** A suspended flow run has deliberately left its process; it is resumed by a new one. */
const SUSPENDED = "Suspended";
/** What marking a task run Crashed reads of it. */
const CRASH_COLUMNS = ["id", "state_type"] as const;
type CrashRow = Pick<Selectable<TaskRunsTable>, "id" | "state_type">;
/** Rows per statement for the id lists admin operations write. */
const ID_CHUNK = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Event resource id of a flow run (what the engine uses as `wf.resource.id`). */
export function flowRunResourceId(flowRunId: string): string {
  return `wf.flow-run.${flowRunId}`;
}

export class RunStore {
  readonly #client: SqlClient;
  readonly #beforeQuery: (() => Promise<void>) | undefined;

  constructor(client: SqlClient, options: RunStoreOptions = {}) {
    this.#client = client;
    this.#beforeQuery = options.beforeQuery;
  }

  async #ready(): Promise<void> {
    if (this.#beforeQuery !== undefined) await this.#beforeQuery();
  }

  // ---- runs ---------------------------------------------------------------------------------

  /** Flow runs, newest first. */
  async listFlowRuns(options: ListFlowRunsOptions = {}): Promise<FlowRunRecord[]> {
    await this.#ready();
    if (options.states?.length === 0) return [];
    const order = options.order ?? "desc";
    let query = this.#client.db.selectFrom("flow_runs").selectAll();
    if (options.states !== undefined) query = query.where("state_type", "in", options.states);
    if (options.flowName !== undefined) query = query.where("flow_name", "=", options.flowName);
    if (options.parentFlowRunId !== undefined) {
      query = query.where("parent_flow_run_id", "=", options.parentFlowRunId);
    }
    if (options.since !== undefined) query = query.where("created", ">=", options.since);
    if (options.until !== undefined) query = query.where("created", "<", options.until);
    query = query.orderBy("created", order).orderBy("id", order);
    const tag = options.tag;
    if (tag === undefined) {
      if (options.limit !== undefined) query = query.limit(options.limit);
      return (await this.#client.all(query)).map(readFlowRun);
    }
    // Tags are a JSON array column: matched here, exactly, rather than with a LIKE on the text.
    const runs = (await this.#client.all(query))
      .map(readFlowRun)
      .filter((r) => r.tags.includes(tag));
    return options.limit === undefined ? runs : runs.slice(0, options.limit);
  }

  /** Every flow, by name, with its run count and the creation time of its latest run. */
  async listFlows(): Promise<FlowSummary[]> {
    await this.#ready();
    const { db } = this.#client;
    const rows = await this.#client.all(
      db
        .selectFrom("flows")
        .leftJoin("flow_runs", "flow_runs.flow_id", "flows.id")
        .select((eb) => [
          "flows.name as name",
          eb.fn.count<number | string>("flow_runs.id").as("runs"),
          eb.fn.max<number | string | null>("flow_runs.created").as("last"),
        ])
        .groupBy("flows.name")
        .orderBy("flows.name"),
    );
    return rows.map((r) => ({
      name: r.name,
      runCount: Number(r.runs),
      lastRunAt: r.last === null ? undefined : Number(r.last),
    }));
  }

  /** How many flow runs are in each state type (every type present, 0 when none). */
  async countFlowRunsByState(
    options: { readonly since?: number } = {},
  ): Promise<Record<StateType, number>> {
    await this.#ready();
    let query = this.#client.db
      .selectFrom("flow_runs")
      .select((eb) => ["state_type", eb.fn.countAll<number | string>().as("n")])
      .groupBy("state_type");
    if (options.since !== undefined) query = query.where("created", ">=", options.since);
    const counts = Object.fromEntries(Object.values(StateType).map((t) => [t, 0])) as Record<
      StateType,
      number
    >;
    for (const row of await this.#client.all(query)) {
      if (row.state_type in counts) counts[row.state_type as StateType] = Number(row.n);
    }
    return counts;
  }

  /** A reader of what changes from now on (new events and logs, runs whose state changed). */
  openChangeFeed(options: ChangeFeedOptions = {}): ChangeFeed {
    return new ChangeFeed(this.#client, () => this.#ready(), options);
  }

  /** A flow run by id, or by its human name ("swift-otter") when exactly one run has it. */
  async getFlowRun(idOrName: string): Promise<FlowRunRecord | undefined> {
    await this.#ready();
    const { db } = this.#client;
    const byId = await this.#client.all(
      db.selectFrom("flow_runs").selectAll().where("id", "=", idOrName),
    );
    if (byId[0] !== undefined) return readFlowRun(byId[0]);
    const byName = await this.#client.all(
      db.selectFrom("flow_runs").selectAll().where("name", "=", idOrName).limit(2),
    );
    if (byName.length > 1) {
      throw new WfError(
        `more than one flow run is named '${idOrName}'; use its id (see \`wf flow-run ls\`)`,
        { code: "AMBIGUOUS_NAME" },
      );
    }
    return byName[0] === undefined ? undefined : readFlowRun(byName[0]);
  }

  /** Task runs, newest first. */
  async listTaskRuns(options: ListTaskRunsOptions = {}): Promise<TaskRunRecord[]> {
    await this.#ready();
    if (options.states?.length === 0) return [];
    const order = options.order ?? "desc";
    let query = this.#client.db.selectFrom("task_runs").selectAll();
    if (options.flowRunId !== undefined) query = query.where("flow_run_id", "=", options.flowRunId);
    if (options.states !== undefined) query = query.where("state_type", "in", options.states);
    if (options.taskKey !== undefined) query = query.where("task_key", "=", options.taskKey);
    query = query.orderBy("created", order).orderBy("id", order);
    if (options.limit !== undefined) query = query.limit(options.limit);
    return (await this.#client.all(query)).map(readTaskRun);
  }

  async getTaskRun(id: string): Promise<TaskRunRecord | undefined> {
    await this.#ready();
    const rows = await this.#client.all(
      this.#client.db.selectFrom("task_runs").selectAll().where("id", "=", id),
    );
    return rows[0] === undefined ? undefined : readTaskRun(rows[0]);
  }

  /** Every state a flow run or task run went through, oldest first. */
  async getStateHistory(runId: string): Promise<StateRecord[]> {
    await this.#ready();
    const rows = await this.#client.all(
      this.#client.db
        .selectFrom("run_states")
        .selectAll()
        .where("run_id", "=", runId)
        .orderBy("timestamp")
        .orderBy("id"),
    );
    return rows.map(readState);
  }

  // ---- logs and events ----------------------------------------------------------------------

  /** Log lines in time order. */
  async listLogs(options: ListLogsOptions = {}): Promise<StoredLogRecord[]> {
    await this.#ready();
    const order = options.order ?? "asc";
    let query = this.#client.db.selectFrom("logs").selectAll();
    if (options.flowRunId !== undefined) query = query.where("flow_run_id", "=", options.flowRunId);
    if (options.taskRunId !== undefined) query = query.where("task_run_id", "=", options.taskRunId);
    if (options.minLevel !== undefined) query = query.where("level", ">=", options.minLevel);
    if (options.afterId !== undefined) query = query.where("id", ">", options.afterId);
    query = query.orderBy("timestamp", order).orderBy("id", order);
    if (options.limit !== undefined) query = query.limit(options.limit);
    return (await this.#client.all(query)).map(readLog);
  }

  /** Events in recording order: those stored as events and those of state changes. */
  async listEvents(options: ListEventsOptions = {}): Promise<EventRecord[]> {
    await this.#ready();
    const order = options.order ?? "asc";
    const { db } = this.#client;
    let query = db.selectFrom("events").selectAll();
    if (options.eventPrefix !== undefined && options.eventPrefix !== "") {
      const prefix = options.eventPrefix;
      // substr() rather than LIKE: no wildcard escaping, and case-sensitive on both databases.
      query = query.where((eb) =>
        eb(eb.fn("substr", ["event", eb.lit(1), eb.val(prefix.length)]), "=", prefix),
      );
    }
    if (options.resourceId !== undefined)
      query = query.where("resource_id", "=", options.resourceId);
    if (options.since !== undefined) query = query.where("occurred", ">=", options.since);
    // Recording order: ids are UUIDv7, minted when the event (or the state) is recorded.
    query = query.orderBy("id", order);
    if (options.limit !== undefined) query = query.limit(options.limit);
    const stored = (await this.#client.all(query)).map(readEvent);

    const states = await readStateEvents(this.#client, (all) => {
      let q = matchingStates(all, options);
      if (q === undefined) return undefined;
      if (options.since !== undefined) q = q.where("s.timestamp", ">=", options.since);
      q = q.orderBy("s.id", order);
      return options.limit === undefined ? q : q.limit(options.limit);
    });
    // One list in id order; an event row with a state's id (sent by an older client) is that
    // state's event, listed once.
    const byId = new Map<string, EventRecord>();
    for (const event of stored) byId.set(event.id, event);
    for (const { event } of states) byId.set(event.id, event);
    const sign = order === "asc" ? 1 : -1;
    const merged = [...byId.values()].sort((a, b) =>
      a.id < b.id ? -sign : a.id > b.id ? sign : 0,
    );
    return options.limit === undefined ? merged : merged.slice(0, options.limit);
  }

  // ---- concurrency limits -------------------------------------------------------------------

  /** Limit tag `tag` to `limit` concurrent task runs across every process on this store. */
  async createConcurrencyLimit(
    tag: string,
    limit: number,
    options: CreateConcurrencyLimitOptions = {},
  ): Promise<ConcurrencyLimitInfo> {
    await this.#ready();
    if (tag === "") throw new ConfigurationError("a concurrency limit needs a non-empty tag");
    if (!Number.isInteger(limit) || limit < 0) {
      throw new ConfigurationError(
        `concurrency limit for '${tag}' must be a whole number of slots (0 or more), got ${limit}`,
      );
    }
    const { db } = this.#client;
    const created = await this.#client.transaction(async (tx) => {
      const existing = await tx.all(
        db.selectFrom("concurrency_limits").select(["limit", "created"]).where("tag", "=", tag),
      );
      const current = existing[0];
      if (current !== undefined && options.overwrite !== true) {
        throw new WfError(
          `tag '${tag}' already has a concurrency limit of ${current.limit}; ` +
            "pass overwrite (`--overwrite`) to change it, or delete it first",
          { code: "ALREADY_EXISTS" },
        );
      }
      if (current !== undefined) {
        await tx.run(db.updateTable("concurrency_limits").set({ limit }).where("tag", "=", tag));
        return current.created;
      }
      const now = Date.now();
      await tx.run(db.insertInto("concurrency_limits").values({ tag, limit, created: now }));
      return now;
    });
    const info = (await this.listConcurrencyLimits()).find((l) => l.tag === tag);
    return info ?? { tag, limit, activeSlots: 0, holders: [], createdAt: created };
  }

  async listConcurrencyLimits(): Promise<ConcurrencyLimitInfo[]> {
    await this.#ready();
    const { db } = this.#client;
    const limits = await this.#client.all(
      db.selectFrom("concurrency_limits").selectAll().orderBy("tag"),
    );
    const slots = await this.#client.all(
      db
        .selectFrom("concurrency_slots")
        .select(["tag", "holder_id", "pid", "hostname", "lease_expires_at"]),
    );
    const holders = new Map<string, string[]>();
    const now = Date.now();
    for (const slot of slots) {
      if (isSlotDead(slot, now)) continue;
      const list = holders.get(slot.tag) ?? [];
      list.push(slot.holder_id);
      holders.set(slot.tag, list);
    }
    return limits.map((l) => ({
      tag: l.tag,
      limit: l.limit,
      activeSlots: holders.get(l.tag)?.length ?? 0,
      holders: holders.get(l.tag) ?? [],
      createdAt: l.created,
    }));
  }

  /** Remove a tag's limit (and its slots); false if it had none. */
  async deleteConcurrencyLimit(tag: string): Promise<boolean> {
    await this.#ready();
    const { db } = this.#client;
    return this.#client.transaction(async (tx) => {
      const deleted = await tx.run(db.deleteFrom("concurrency_limits").where("tag", "=", tag));
      await tx.run(db.deleteFrom("concurrency_slots").where("tag", "=", tag));
      return deleted > 0;
    });
  }

  // ---- commands and states ------------------------------------------------------------------

  /**
   * Queue a cancel or resume command for the process running a flow run; it is delivered to that
   * process's `watchFlowRun` within a poll interval. Resolves to the command's id.
   */
  async sendCommand(flowRunId: string, command: RunCommand): Promise<string> {
    await this.#ready();
    const { db } = this.#client;
    const exists = await this.#client.all(
      db.selectFrom("flow_runs").select("id").where("id", "=", flowRunId),
    );
    if (exists.length === 0) {
      throw new NotFoundError(`no flow run '${flowRunId}'; list them with \`wf flow-run ls\``);
    }
    const id = newId();
    const payload =
      command.kind === "resume" && command.input !== undefined
        ? JSON.stringify(command.input)
        : null;
    await this.#client.transaction((tx) =>
      tx.run(
        db.insertInto("run_commands").values({
          id,
          flow_run_id: flowRunId,
          kind: command.kind,
          payload,
          created: Date.now(),
          consumed_at: null,
        }),
      ),
    );
    return id;
  }

  /**
   * Move a flow run to a new state if the transition rules allow it (else InvalidTransitionError,
   * and nothing is written); records it in the state history. Resolves to the updated run.
   */
  async setFlowRunState(
    flowRunId: string,
    state: SetStateInput,
    options: TransitionOptions = {},
  ): Promise<FlowRunRecord> {
    await this.#ready();
    const { db } = this.#client;
    return this.#client.transaction(async (tx) => {
      let select = db.selectFrom("flow_runs").selectAll().where("id", "=", flowRunId);
      if (this.#client.dialect === "postgres") select = select.forUpdate();
      const row = (await tx.all(select))[0];
      if (row === undefined) {
        throw new NotFoundError(`no flow run '${flowRunId}'; list them with \`wf flow-run ls\``);
      }
      const from = row.state_type as StateType;
      if (!canTransition(from, state.type, options)) {
        throw new InvalidTransitionError(from, state.type, flowRunId);
      }
      const now = Date.now();
      const name = state.name ?? DEFAULT_STATE_NAMES[state.type];
      const endTime = isTerminal(state.type) ? now : isTerminal(from) ? null : row.end_time;
      await this.#writeFlowRunState(tx, row, {
        type: state.type,
        name,
        message: state.message ?? null,
        endTime,
        now,
      });
      return readFlowRun({
        ...row,
        state_type: state.type,
        state_name: name,
        state_message: state.message ?? null,
        state_timestamp: now,
        state_details: null,
        end_time: endTime,
      });
    });
  }

  async #writeFlowRunState(
    tx: SqlExecutor,
    row: Selectable<FlowRunsTable>,
    change: {
      readonly type: StateType;
      readonly name: string;
      readonly message: string | null;
      readonly endTime: number | null;
      readonly now: number;
    },
  ): Promise<void> {
    const { db } = this.#client;
    await tx.run(
      db
        .updateTable("flow_runs")
        .set({
          state_type: change.type,
          state_name: change.name,
          state_message: change.message,
          state_timestamp: change.now,
          state_details: null,
          end_time: change.endTime,
        })
        .where("id", "=", row.id),
    );
    await tx.run(
      db.insertInto("run_states").values({
        id: newId(),
        run_id: row.id,
        run_kind: "flow",
        type: change.type,
        name: change.name,
        message: change.message,
        timestamp: change.now,
        details: null,
      }),
    );
    // The state row is also the change's `wf.flow-run.<State>` event (state-events.ts).
  }

  /**
   * Mark Crashed every active flow run (Running, Pending, Cancelling, Paused but not Suspended)
   * whose owner process on this host is gone, with its unfinished task runs, and every
   * standalone task run whose process is gone. Resolves to the number of runs marked.
   */
  async reconcileCrashed(): Promise<number> {
    await this.#ready();
    const { db } = this.#client;
    const candidates = await this.#client.all(
      db
        .selectFrom("flow_runs")
        .select(["id", "pid", "state_name", "state_type"])
        .where("hostname", "=", HOSTNAME)
        .where("state_type", "in", OWNED_FLOW_RUN_STATES),
    );
    const deadFlowRuns = candidates.filter(
      (r) =>
        !(r.state_type === StateType.PAUSED && r.state_name === SUSPENDED) &&
        isOwnerDead(r.pid, HOSTNAME),
    );
    const standalone = await this.#client.all(
      db
        .selectFrom("task_runs")
        .select(["id", "pid"])
        .where("flow_run_id", "is", null)
        .where("hostname", "=", HOSTNAME)
        .where("state_type", "in", [StateType.PENDING, StateType.RUNNING]),
    );
    const deadTaskRuns = standalone.filter((r) => isOwnerDead(r.pid, HOSTNAME));
    if (deadFlowRuns.length === 0 && deadTaskRuns.length === 0) return 0;

    return this.#client.transaction(async (tx) => {
      let marked = 0;
      const now = Date.now();
      for (const candidate of deadFlowRuns) {
        let select = db.selectFrom("flow_runs").selectAll().where("id", "=", candidate.id);
        if (this.#client.dialect === "postgres") select = select.forUpdate();
        const row = (await tx.all(select))[0];
        // Re-checked inside the transaction: another process may have reconciled it already.
        if (row === undefined || !OWNED_FLOW_RUN_STATES.includes(row.state_type as StateType))
          continue;
        const message = `the process that ran this flow run (pid ${row.pid} on ${row.hostname}) ended without reporting a final state`;
        await this.#writeFlowRunState(tx, row, {
          type: StateType.CRASHED,
          name: DEFAULT_STATE_NAMES.CRASHED,
          message,
          endTime: now,
          now,
        });
        marked += 1;
        const tasks = await tx.all(
          db
            .selectFrom("task_runs")
            .select(CRASH_COLUMNS)
            .where("flow_run_id", "=", row.id)
            .where("state_type", "in", UNFINISHED_STATES),
        );
        await this.#crashTaskRuns(tx, tasks, `its flow run crashed: ${message}`, now);
      }
      const standalone: CrashRow[] = [];
      for (const task of deadTaskRuns) {
        const row = (
          await tx.all(db.selectFrom("task_runs").select(CRASH_COLUMNS).where("id", "=", task.id))
        )[0];
        if (row !== undefined && !isTerminal(row.state_type as StateType)) standalone.push(row);
      }
      await this.#crashTaskRuns(
        tx,
        standalone,
        "the process that ran this task run ended without reporting a final state",
        now,
      );
      return marked + standalone.length;
    });
  }

  async #crashTaskRuns(
    tx: SqlExecutor,
    rows: readonly CrashRow[],
    message: string,
    now: number,
  ): Promise<void> {
    const { db } = this.#client;
    for (const rowChunk of chunks(rows, ID_CHUNK)) {
      const chunk = rowChunk.map((r) => r.id);
      await tx.run(
        db
          .updateTable("task_runs")
          .set({
            state_type: StateType.CRASHED,
            state_name: DEFAULT_STATE_NAMES.CRASHED,
            state_message: message,
            state_timestamp: now,
            state_details: null,
            end_time: now,
          })
          .where("id", "in", chunk),
      );
      await tx.run(
        db.insertInto("run_states").values(
          chunk.map((id) => ({
            id: newId(),
            run_id: id,
            run_kind: "task" as const,
            type: StateType.CRASHED,
            name: DEFAULT_STATE_NAMES.CRASHED,
            message,
            timestamp: now,
            details: null,
          })),
        ),
      );
    }
  }
}
