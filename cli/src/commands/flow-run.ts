/** `wf flow-run ls|inspect|logs|cancel|resume`. */
import type { Command } from "commander";
import type { FlowRunRecord, JsonValue } from "@wf/core";
import type { RunStore } from "@wf/store";
import type { RunReader } from "../api-run-store.js";
import { hostname } from "node:os";
import pc from "picocolors";
import { CliError, UsageError, noFlowRunMessage } from "../errors.js";
import {
  colorState,
  formatDateTime,
  formatDuration,
  formatLogLine,
  heading,
  printJson,
  renderFields,
  renderTable,
  runDurationMs,
  truncate,
  writeLine,
} from "../output.js";
import { withRunStore } from "../store.js";
import {
  collect,
  examples,
  isProcessAlive,
  parseLimit,
  parseStates,
  sleep,
  STATE_TYPES,
} from "./common.js";

const DEFAULT_LIMIT = 20;
const DEFAULT_WAIT_SECONDS = 10;
const POLL_MS = 100;
const CANCELLABLE = new Set(["SCHEDULED", "PENDING", "RUNNING", "PAUSED"]);
const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED", "CRASHED"]);
const LOG_LEVELS: Readonly<Record<string, number>> = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  WARN: 30,
  ERROR: 40,
  CRITICAL: 50,
};

export function registerFlowRunCommands(program: Command): void {
  const group = program
    .command("flow-run")
    .description("list, inspect, cancel and resume flow runs")
    .addHelpText(
      "after",
      examples("wf flow-run ls --state failed", "wf flow-run inspect swift-otter"),
    );

  group
    .command("ls")
    .description("list flow runs, newest first (runs of processes that died show as Crashed)")
    .option(
      "-s, --state <state>",
      `only runs in this state (repeat or comma-separate): ${STATE_TYPES.join(", ").toLowerCase()}`,
      collect,
    )
    .option("-f, --flow <name>", "only runs of this flow")
    .option("-n, --limit <n>", `how many runs to show (default ${DEFAULT_LIMIT})`)
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      examples(
        "wf flow-run ls --state failed,crashed --limit 5",
        "wf flow-run ls --flow etl --json",
      ),
    )
    .action(
      async (options: { state?: string[]; flow?: string; limit?: string; json?: boolean }) => {
        const states = parseStates(options.state);
        const limit = parseLimit(options.limit) ?? DEFAULT_LIMIT;
        await withRunStore(async (runs) => {
          await runs.reconcileCrashed();
          const list = await runs.listFlowRuns({
            limit,
            ...(states ? { states } : {}),
            ...(options.flow !== undefined ? { flowName: options.flow } : {}),
          });
          if (options.json) {
            const { flowRunJson } = await import("../json.js");
            printJson(list.map(flowRunJson));
            return;
          }
          if (list.length === 0) {
            writeLine(pc.dim("No flow runs match. Start one with `wf run <file.ts>:<flow>`."));
            return;
          }
          writeLine(await flowRunTable(list));
        });
      },
    );

  group
    .command("inspect")
    .description("show a flow run: its details, state history, task runs and subflow runs")
    .argument("<id>", "flow run id or name")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      examples("wf flow-run inspect swift-otter", "wf flow-run inspect 0192f3a4-... --json"),
    )
    .action(async (idOrName: string, options: { json?: boolean }) => {
      await withRunStore(async (runs) => {
        await runs.reconcileCrashed();
        const run = await getFlowRun(runs, idOrName);
        const [history, taskRuns, subflows] = await Promise.all([
          runs.getStateHistory(run.id),
          runs.listTaskRuns({ flowRunId: run.id }),
          runs.listFlowRuns({ parentFlowRunId: run.id }),
        ]);
        if (options.json) {
          const { flowRunJson, stateRecordJson, taskRunJson } = await import("../json.js");
          printJson({
            flowRun: flowRunJson(run),
            stateHistory: history.map(stateRecordJson),
            taskRuns: taskRuns.map(taskRunJson),
            subflowRuns: subflows.map(flowRunJson),
          });
          return;
        }
        writeLine(renderFields(flowRunFields(run)));
        writeLine();
        writeLine(heading("State history"));
        writeLine(
          await renderTable(
            ["TIME", "STATE", "TYPE", "MESSAGE"],
            history.map((s) => [
              formatDateTime(s.timestamp),
              colorState(s.type, s.name),
              s.type,
              truncate(s.message),
            ]),
          ),
        );
        writeLine();
        writeLine(heading(`Task runs (${taskRuns.length})`));
        if (taskRuns.length > 0) {
          writeLine(
            await renderTable(
              ["ID", "NAME", "STATE", "STARTED", "DURATION"],
              taskRuns.map((t) => [
                t.id,
                t.name,
                colorState(t.stateType, t.stateName),
                formatDateTime(t.startTime),
                formatDuration(runDurationMs(t)),
              ]),
            ),
          );
        }
        if (subflows.length > 0) {
          writeLine();
          writeLine(heading(`Subflow runs (${subflows.length})`));
          writeLine(await flowRunTable(subflows));
        }
      });
    });

  group
    .command("logs")
    .description("print a flow run's logs (its own and its task runs')")
    .argument("<id>", "flow run id or name")
    .option("-l, --level <level>", "lowest level to show: debug, info, warning, error, critical")
    .option("-n, --limit <n>", "show at most this many lines (the first ones)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      examples("wf flow-run logs swift-otter", "wf flow-run logs swift-otter --level warning"),
    )
    .action(
      async (idOrName: string, options: { level?: string; limit?: string; json?: boolean }) => {
        let minLevel: number | undefined;
        if (options.level !== undefined) {
          minLevel = LOG_LEVELS[options.level.toUpperCase()];
          if (minLevel === undefined) {
            throw new UsageError(
              `unknown log level '${options.level}'; use one of: debug, info, warning, error, critical`,
            );
          }
        }
        const limit = parseLimit(options.limit);
        await withRunStore(async (runs) => {
          const run = await getFlowRun(runs, idOrName);
          const logs = await runs.listLogs({
            flowRunId: run.id,
            ...(minLevel !== undefined ? { minLevel } : {}),
            ...(limit !== undefined ? { limit } : {}),
          });
          const { levelName, logJson } = await import("../json.js");
          if (options.json) {
            printJson(logs.map(logJson));
            return;
          }
          // Stored messages carry no prefix; the console shows "Task run 'x' - ..." and so do we.
          const taskRuns = logs.some((l) => l.taskRunId !== undefined)
            ? await runs.listTaskRuns({ flowRunId: run.id })
            : [];
          const taskNames = new Map(taskRuns.map((t) => [t.id, t.name]));
          for (const log of logs) {
            const prefix =
              log.taskRunId !== undefined
                ? `Task run '${taskNames.get(log.taskRunId) ?? log.taskRunId}'`
                : `Flow run '${run.name}'`;
            writeLine(
              formatLogLine(log.timestamp, levelName(log.level), `${prefix} - ${log.message}`),
            );
          }
        });
      },
    );

  group
    .command("cancel")
    .description("cancel a scheduled, pending, running or paused flow run and wait until it stops")
    .argument("<id>", "flow run id or name")
    .option(
      "--timeout <seconds>",
      `how long to wait for the run to stop (default ${DEFAULT_WAIT_SECONDS})`,
    )
    .option("--json", "print the run's final record as JSON")
    .addHelpText("after", examples("wf flow-run cancel swift-otter"))
    .action(async (idOrName: string, options: { timeout?: string; json?: boolean }) => {
      const waitMs = (parseLimit(options.timeout, "--timeout") ?? DEFAULT_WAIT_SECONDS) * 1000;
      await withRunStore(async (runs) => {
        const run = await getFlowRun(runs, idOrName);
        if (!CANCELLABLE.has(run.stateType)) {
          throw new CliError(
            `flow run '${run.name}' is ${run.stateName}; only scheduled, pending, running or paused runs can be cancelled`,
          );
        }
        let final: FlowRunRecord;
        if (isLocal(runs) && run.hostname === hostname() && !isProcessAlive(run.pid)) {
          // Nobody is left to act on a cancel command: record the outcome directly. (Through a
          // server, its cancel route makes that call on its own machine.)
          await runs.setFlowRunState(run.id, {
            type: "CANCELLED",
            name: "Cancelled",
            message: `cancelled from the command line; its process (pid ${run.pid}) had already exited`,
          });
          final = await getFlowRun(runs, run.id);
        } else {
          await runs.sendCommand(run.id, { kind: "cancel" });
          if (!options.json) process.stderr.write(pc.dim(`Cancelling flow run '${run.name}'...\n`));
          final = await waitForRun(runs, run.id, (r) => TERMINAL.has(r.stateType), waitMs);
          if (!TERMINAL.has(final.stateType)) {
            throw new CliError(
              `flow run '${run.name}' is still ${final.stateName} after ${waitMs / 1000}s; the cancel request stays queued for its process (pid ${run.pid} on ${run.hostname})`,
            );
          }
        }
        await reportFinal(final, options.json === true);
        if (final.stateType !== "CANCELLED") {
          process.stderr.write(
            pc.yellow(
              `warning: the run ended as ${final.stateName} before the cancellation reached it\n`,
            ),
          );
          process.exitCode = 1;
        }
      });
    });

  group
    .command("resume")
    .description("resume a paused flow run, with input when it waits for some")
    .argument("<id>", "flow run id or name")
    .option(
      "-i, --input <json>",
      "the input the run waits for, as JSON (checked against the run's input schema)",
    )
    .option(
      "--timeout <seconds>",
      `how long to wait for the run to leave Paused (default ${DEFAULT_WAIT_SECONDS})`,
    )
    .option("--json", "print the run's record as JSON once it has resumed")
    .addHelpText("after", examples(`wf flow-run resume swift-otter --input '{"approved": true}'`))
    .action(
      async (idOrName: string, options: { input?: string; timeout?: string; json?: boolean }) => {
        const waitMs = (parseLimit(options.timeout, "--timeout") ?? DEFAULT_WAIT_SECONDS) * 1000;
        let input: unknown;
        if (options.input !== undefined) {
          try {
            input = JSON.parse(options.input);
          } catch (error) {
            throw new UsageError(`--input is not valid JSON: ${(error as Error).message}`);
          }
        }
        await withRunStore(async (runs) => {
          const run = await getFlowRun(runs, idOrName);
          if (run.stateType !== "PAUSED") {
            throw new CliError(
              `flow run '${run.name}' is ${run.stateName}, not paused; only paused runs can be resumed`,
            );
          }
          const schema = run.stateDetails?.pauseInputSchema;
          if (schema !== undefined && schema !== null) {
            const { describeSchemaFields, validateInput } = await import("../input-validation.js");
            if (input === undefined) {
              throw new UsageError(
                `flow run '${run.name}' waits for input; pass it with --input '<json>'`,
                describeSchemaFields(schema),
              );
            }
            const problems = await validateInput(schema, input);
            if (problems.length > 0) {
              throw new UsageError(
                `invalid input for flow run '${run.name}'; nothing was sent`,
                problems,
              );
            }
          }
          if (isLocal(runs) && run.hostname === hostname() && !isProcessAlive(run.pid)) {
            throw new CliError(
              `the process of flow run '${run.name}' (pid ${run.pid}) has exited, so it cannot be resumed; \`wf flow-run ls\` shows it as Crashed`,
            );
          }
          await runs.sendCommand(run.id, { kind: "resume", input: input as JsonValue | undefined });
          if (!options.json) process.stderr.write(pc.dim(`Resuming flow run '${run.name}'...\n`));
          const after = await waitForRun(runs, run.id, (r) => r.stateType !== "PAUSED", waitMs);
          if (after.stateType === "PAUSED") {
            throw new CliError(
              `flow run '${run.name}' is still Paused after ${waitMs / 1000}s; the resume request stays queued for its process (pid ${run.pid} on ${run.hostname})`,
            );
          }
          await reportFinal(after, options.json === true, "Resumed flow run");
        });
      },
    );
}

/** Whether the runs are in this process's embedded store (not behind a server). */
function isLocal(runs: RunReader): runs is RunStore {
  return runs.remote !== true;
}

/** A flow run by id or name, or the "no flow run" error. */
export async function getFlowRun(runs: RunReader, idOrName: string): Promise<FlowRunRecord> {
  const run = await runs.getFlowRun(idOrName);
  if (!run) throw new CliError(noFlowRunMessage(idOrName));
  return run;
}

async function waitForRun(
  runs: RunReader,
  id: string,
  done: (run: FlowRunRecord) => boolean,
  timeoutMs: number,
): Promise<FlowRunRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await getFlowRun(runs, id);
    if (done(run) || Date.now() >= deadline) return run;
    await sleep(POLL_MS);
  }
}

async function reportFinal(run: FlowRunRecord, json: boolean, done?: string): Promise<void> {
  if (json) {
    const { flowRunJson } = await import("../json.js");
    printJson(flowRunJson(run));
    return;
  }
  const message = run.stateMessage ? pc.dim(` (${truncate(run.stateMessage, 100)})`) : "";
  const state = `${colorState(run.stateType, run.stateName)}${message}`;
  writeLine(
    done ? `${done} '${run.name}'; it is now ${state}.` : `Flow run '${run.name}' is ${state}.`,
  );
}

function flowRunFields(run: FlowRunRecord): [string, string][] {
  const fields: [string, string][] = [
    ["flow run", run.name],
    ["id", run.id],
    ["flow", run.flowVersion ? `${run.flowName} (version ${run.flowVersion})` : run.flowName],
    [
      "state",
      `${colorState(run.stateType, run.stateName)}${run.stateMessage ? ` - ${run.stateMessage}` : ""}`,
    ],
    ["parameters", JSON.stringify(run.parameters)],
    ["created", formatDateTime(run.createdAt)],
    ["started", formatDateTime(run.startTime)],
    ["ended", formatDateTime(run.endTime)],
    ["duration", formatDuration(runDurationMs(run))],
    ["run count", String(run.runCount)],
  ];
  if (run.tags.length > 0) fields.push(["tags", run.tags.join(", ")]);
  if (run.parentFlowRunId) fields.push(["parent run", run.parentFlowRunId]);
  if (run.result?.preview !== undefined) fields.push(["result", truncate(run.result.preview, 100)]);
  fields.push(["process", `pid ${run.pid} on ${run.hostname}`]);
  return fields;
}

async function flowRunTable(list: readonly FlowRunRecord[]): Promise<string> {
  return renderTable(
    ["ID", "NAME", "FLOW", "STATE", "STARTED", "DURATION"],
    list.map((r) => [
      r.id,
      r.name,
      r.flowName,
      colorState(r.stateType, r.stateName),
      formatDateTime(r.startTime ?? r.createdAt),
      formatDuration(runDurationMs(r)),
    ]),
  );
}
