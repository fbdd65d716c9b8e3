/**
 * Reading the state-change events the store does not keep as event rows: each one is built from
 * its `run_states` row, the state before it (the previous row of the same run) and its run's row,
 * with core's `stateChangeEvent`. The run store's event listing and the change feed read them here.
 */
import { sql, type SelectQueryBuilder } from "./kysely.js";
import type { RunStatesTable, StoreDatabase } from "./schema.js";
import type { SqlClient } from "./sql-client.js";
import {
  runOfResourceId,
  stateChangeEvent,
  stateEventNameFilter,
  type EventRecord,
  type StateType,
} from "./wf-core.js";

/** The `run_states` table as `s`, for callers to narrow (where, order, limit) before the joins. */
export type StateRowsQuery = SelectQueryBuilder<StoreDatabase & { s: RunStatesTable }, "s", object>;

/** A state-change event, the run it changed, and its row's rowid when asked for (SQLite). */
export interface StateEventRow {
  readonly event: EventRecord;
  readonly runId: string;
  readonly runKind: "flow" | "task";
  readonly seq: number | undefined;
}

/**
 * Narrow `states` to those whose events an event listing's filters select (a name prefix, a
 * resource id); undefined when none can match.
 */
export function matchingStates(
  states: StateRowsQuery,
  filter: { readonly eventPrefix?: string; readonly resourceId?: string },
): StateRowsQuery | undefined {
  let narrowed = states;
  if (filter.resourceId !== undefined) {
    const run = runOfResourceId(filter.resourceId);
    if (run === undefined) return undefined;
    narrowed = narrowed.where("s.run_id", "=", run.id).where("s.run_kind", "=", run.kind);
  }
  const flow = stateEventNameFilter("flow", filter.eventPrefix);
  const task = stateEventNameFilter("task", filter.eventPrefix);
  if (flow === undefined && task === undefined) return undefined;
  if (flow !== undefined && "all" in flow && task !== undefined && "all" in task) return narrowed;
  return narrowed.where((eb) =>
    eb.or(
      (
        [
          ["flow", flow],
          ["task", task],
        ] as const
      ).flatMap(([kind, names]) => {
        if (names === undefined) return [];
        const ofKind = eb("s.run_kind", "=", kind);
        if ("all" in names) return [ofKind];
        const prefix = names.stateNamePrefix;
        // substr() rather than LIKE: no wildcard escaping, and case-sensitive on both databases.
        return [
          eb.and([
            ofKind,
            eb(eb.fn("substr", ["s.name", eb.lit(1), eb.val(prefix.length)]), "=", prefix),
          ]),
        ];
      }),
    ),
  );
}

/**
 * The events of the run states `narrow` selects (none when it returns undefined). A state is
 * written after (or with) its run's row; one whose run row is missing is left out.
 */
export async function readStateEvents(
  client: SqlClient,
  narrow: (states: StateRowsQuery) => StateRowsQuery | undefined,
  options: { readonly withSeq?: boolean } = {},
): Promise<StateEventRow[]> {
  const { db } = client;
  const states = narrow(db.selectFrom("run_states as s"));
  if (states === undefined) return [];
  const query = states
    .leftJoin("flow_runs as f", (join) =>
      join.onRef("f.id", "=", "s.run_id").on("s.run_kind", "=", "flow"),
    )
    .leftJoin("task_runs as t", (join) =>
      join.onRef("t.id", "=", "s.run_id").on("s.run_kind", "=", "task"),
    )
    // Left joins, so one scan of the states serves both kinds; a state needs its run's row.
    .where((eb) => eb.or([eb("f.id", "is not", null), eb("t.id", "is not", null)]))
    .select([
      "s.id",
      "s.run_id",
      "s.run_kind",
      "s.type",
      "s.name",
      "s.message",
      "s.timestamp",
      // The joined run's columns, whichever kind it is (the where above makes one non-null).
      sql<string>`coalesce(f.name, t.name)`.as("run_name"),
      sql<string>`coalesce(f.tags, t.tags)`.as("run_tags"),
      sql<string>`coalesce(f.flow_name, t.task_key)`.as("run_key"),
      sql<string | null>`coalesce(f.parent_flow_run_id, t.flow_run_id)`.as("run_parent"),
      sql<number | null>`${options.withSeq === true ? sql`s.rowid` : sql`null`}`.as("seq"),
    ])
    .select((eb) => {
      // The state before: the run's previous row, found through the (run_id, id) key.
      const before = eb
        .selectFrom("run_states as p")
        .whereRef("p.run_id", "=", "s.run_id")
        .whereRef("p.id", "<", "s.id")
        .orderBy("p.id", "desc")
        .limit(1);
      return [before.select("p.type").as("from_type"), before.select("p.name").as("from_name")];
    });
  const rows = await client.all(query);
  const out: StateEventRow[] = [];
  for (const row of rows) {
    const state = {
      id: row.id,
      runId: row.run_id,
      runKind: row.run_kind,
      type: row.type as StateType,
      name: row.name,
      message: row.message ?? undefined,
      timestamp: Number(row.timestamp),
      details: undefined,
    };
    const from =
      row.from_type === null || row.from_name === null
        ? undefined
        : { type: row.from_type, name: row.from_name };
    const run = { id: row.run_id, name: row.run_name, tags: parseTags(row.run_tags) };
    const parent = row.run_parent ?? undefined;
    const event = stateChangeEvent(
      state,
      from,
      row.run_kind === "flow"
        ? { ...run, flowName: row.run_key, parentFlowRunId: parent }
        : { ...run, taskKey: row.run_key, flowRunId: parent },
    );
    out.push({
      event,
      runId: row.run_id,
      runKind: row.run_kind,
      seq: row.seq === null ? undefined : Number(row.seq),
    });
  }
  return out;
}

function parseTags(text: string): string[] {
  return text === "[]" ? [] : (JSON.parse(text) as string[]);
}
