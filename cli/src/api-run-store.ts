/**
 * The run store as the reading commands see it, through a `wf server`'s API: with WF_API_URL set,
 * `wf flow-run ls|inspect|logs|cancel|resume` and `wf task-run ls --flow-run` show and act on the
 * server's runs. The API's JSON (the same views as `--json`) is turned back into the records the
 * commands render; cancel and resume go through the API's routes, which decide on the server.
 */
import type {
  FlowRunRecord,
  JsonValue,
  ResultRecord,
  RunCommand,
  StateDetails,
  StateRecord,
  StateType,
  TaskRunRecord,
} from "@wf/core";
import type { ApiClient } from "@wf/core/http";
import type {
  ListFlowRunsOptions,
  ListLogsOptions,
  ListTaskRunsOptions,
  RunStore,
  StoredLogRecord,
} from "@wf/store";
import { CliError } from "./errors.js";

/** What the run commands use of a run store; `RunStore` and `ApiRunStore` both have it. */
export type RunReader = Pick<
  RunStore,
  | "listFlowRuns"
  | "getFlowRun"
  | "listTaskRuns"
  | "getStateHistory"
  | "listLogs"
  | "reconcileCrashed"
  | "sendCommand"
> & {
  /** True when runs live behind a server (their processes may be on other machines). */
  readonly remote?: boolean;
};

interface StateJson {
  readonly type: StateType;
  readonly name: string;
  readonly message: string | null;
  readonly timestamp: string;
  readonly details?: StateDetails | null;
}

interface RunJson {
  readonly id: string;
  readonly name: string;
  readonly state: StateJson;
  readonly tags: string[];
  readonly createdAt: string;
  readonly startTime: string | null;
  readonly endTime: string | null;
  readonly runCount: number;
  readonly result: ResultRecord | null;
  readonly pid: number;
  readonly hostname: string;
}

interface FlowRunJson extends RunJson {
  readonly flowName: string;
  readonly flowVersion: string | null;
  readonly parameters: Record<string, JsonValue>;
  readonly parentFlowRunId: string | null;
  readonly parentTaskRunId: string | null;
  readonly entrypoint?: string | null;
}

interface TaskRunJson extends RunJson {
  readonly taskKey: string;
  readonly flowRunId: string | null;
  readonly cacheKey: string | null;
  readonly upstream: Record<string, string[]>;
}

interface StateRecordJson extends StateJson {
  readonly id: string;
}

interface LogJson {
  readonly id: string;
  readonly timestamp: string;
  readonly levelNo: number;
  readonly logger: string;
  readonly flowRunId: string | null;
  readonly taskRunId: string | null;
  readonly message: string;
}

const V1 = "/api/v1";
/** The API's largest page. */
const MAX_LIMIT = 1_000;

function ms(iso: string | null): number | undefined {
  return iso === null ? undefined : Date.parse(iso);
}

function orUndefined<T>(value: T | null | undefined): T | undefined {
  return value ?? undefined;
}

function runFields(json: RunJson) {
  return {
    id: json.id,
    name: json.name,
    tags: json.tags,
    stateType: json.state.type,
    stateName: json.state.name,
    stateMessage: orUndefined(json.state.message),
    stateTimestamp: ms(json.state.timestamp) ?? 0,
    stateDetails: orUndefined(json.state.details),
    createdAt: ms(json.createdAt) ?? 0,
    startTime: ms(json.startTime),
    endTime: ms(json.endTime),
    runCount: json.runCount,
    result: orUndefined(json.result),
    pid: json.pid,
    hostname: json.hostname,
  };
}

export function flowRunFromJson(json: FlowRunJson): FlowRunRecord {
  return Object.assign(runFields(json), {
    flowName: json.flowName,
    flowVersion: orUndefined(json.flowVersion),
    parameters: json.parameters,
    parentFlowRunId: orUndefined(json.parentFlowRunId),
    parentTaskRunId: orUndefined(json.parentTaskRunId),
    ...(json.entrypoint != null && { entrypoint: json.entrypoint }),
  });
}

function taskRunFromJson(json: TaskRunJson): TaskRunRecord {
  return Object.assign(runFields(json), {
    taskKey: json.taskKey,
    flowRunId: orUndefined(json.flowRunId),
    cacheKey: orUndefined(json.cacheKey),
    upstream: json.upstream,
  });
}

function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(
    (entry): entry is [string, string | number] => entry[1] !== undefined,
  );
  if (entries.length === 0) return "";
  return `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)]))}`;
}

export class ApiRunStore implements RunReader {
  readonly remote = true;
  readonly #api: ApiClient;

  constructor(api: ApiClient) {
    this.#api = api;
  }

  async #get<T>(path: string): Promise<T | undefined> {
    const { status, body } = await this.#api.request<T>("GET", path, { allow: [404] });
    return status === 404 ? undefined : body;
  }

  /** The server keeps its own runs honest; there is nothing to reconcile from here. */
  reconcileCrashed(): Promise<number> {
    return Promise.resolve(0);
  }

  async listFlowRuns(options: ListFlowRunsOptions = {}): Promise<FlowRunRecord[]> {
    if (options.states?.length === 0) return [];
    const list =
      (await this.#get<FlowRunJson[]>(
        `${V1}/flow-runs${query({
          state: options.states?.join(","),
          flow: options.flowName,
          tag: options.tag,
          parent: options.parentFlowRunId,
          since: options.since === undefined ? undefined : new Date(options.since).toISOString(),
          until: options.until === undefined ? undefined : new Date(options.until).toISOString(),
          limit: Math.min(options.limit ?? MAX_LIMIT, MAX_LIMIT),
        })}`,
      )) ?? [];
    const runs = list.map(flowRunFromJson);
    return options.order === "asc" ? runs.reverse() : runs;
  }

  async getFlowRun(idOrName: string): Promise<FlowRunRecord | undefined> {
    const json = await this.#get<FlowRunJson>(`${V1}/flow-runs/${encodeURIComponent(idOrName)}`);
    return json === undefined ? undefined : flowRunFromJson(json);
  }

  async listTaskRuns(options: ListTaskRunsOptions = {}): Promise<TaskRunRecord[]> {
    if (options.flowRunId === undefined) {
      throw new CliError(
        "with WF_API_URL set, task runs are listed per flow run: add --flow-run <id or name>",
      );
    }
    const list =
      (await this.#get<TaskRunJson[]>(
        `${V1}/flow-runs/${encodeURIComponent(options.flowRunId)}/task-runs`,
      )) ?? [];
    let runs = list.map(taskRunFromJson);
    if (options.states !== undefined) {
      const wanted = new Set<string>(options.states);
      runs = runs.filter((r) => wanted.has(r.stateType));
    }
    if (options.taskKey !== undefined) runs = runs.filter((r) => r.taskKey === options.taskKey);
    // The API lists a run's task runs oldest first; the store's default is newest first.
    if ((options.order ?? "desc") === "desc") runs.reverse();
    return options.limit === undefined ? runs : runs.slice(0, options.limit);
  }

  async getStateHistory(runId: string): Promise<StateRecord[]> {
    const list =
      (await this.#get<StateRecordJson[]>(`${V1}/flow-runs/${encodeURIComponent(runId)}/states`)) ??
      [];
    return list.map((s) => ({
      id: s.id,
      runId,
      runKind: "flow",
      type: s.type,
      name: s.name,
      message: orUndefined(s.message),
      timestamp: ms(s.timestamp) ?? 0,
      details: orUndefined(s.details),
    }));
  }

  async listLogs(options: ListLogsOptions = {}): Promise<StoredLogRecord[]> {
    if (options.flowRunId === undefined) {
      throw new CliError("with WF_API_URL set, logs are read per flow run");
    }
    const list =
      (await this.#get<LogJson[]>(
        `${V1}/flow-runs/${encodeURIComponent(options.flowRunId)}/logs${query({ limit: 10_000 })}`,
      )) ?? [];
    let logs: StoredLogRecord[] = list.map((l) => ({
      id: Number(l.id),
      flowRunId: orUndefined(l.flowRunId),
      taskRunId: orUndefined(l.taskRunId),
      level: l.levelNo as StoredLogRecord["level"],
      logger: l.logger,
      message: l.message,
      timestamp: ms(l.timestamp) ?? 0,
    }));
    const { minLevel, taskRunId, afterId } = options;
    if (minLevel !== undefined) logs = logs.filter((l) => l.level >= minLevel);
    if (taskRunId !== undefined) logs = logs.filter((l) => l.taskRunId === taskRunId);
    if (afterId !== undefined) logs = logs.filter((l) => l.id > afterId);
    if (options.order === "desc") logs.reverse();
    return options.limit === undefined ? logs : logs.slice(0, options.limit);
  }

  /** Cancel and resume through the API's routes (which also settle a run whose process is gone). */
  async sendCommand(flowRunId: string, command: RunCommand): Promise<string> {
    const { body } = await this.#api.request<{ commandId: string | null }>(
      "POST",
      `${V1}/flow-runs/${encodeURIComponent(flowRunId)}/${command.kind}`,
      { body: command.kind === "resume" ? { input: command.input } : {} },
    );
    return body.commandId ?? "";
  }
}
