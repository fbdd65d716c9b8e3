/** `wf task-run ls`. */
import type { Command } from "commander";
import pc from "picocolors";
import {
  colorState,
  formatDateTime,
  formatDuration,
  printJson,
  renderTable,
  runDurationMs,
  writeLine,
} from "../output.js";
import { withRunStore } from "../store.js";
import { collect, examples, parseLimit, parseStates, STATE_TYPES } from "./common.js";
import { getFlowRun } from "./flow-run.js";

const DEFAULT_LIMIT = 20;

export function registerTaskRunCommands(program: Command): void {
  const group = program
    .command("task-run")
    .description("list task runs")
    .addHelpText("after", examples("wf task-run ls --flow-run swift-otter"));

  group
    .command("ls")
    .description("list task runs, newest first")
    .option("-r, --flow-run <id>", "only task runs of this flow run (id or name)")
    .option(
      "-s, --state <state>",
      `only runs in this state (repeat or comma-separate): ${STATE_TYPES.join(", ").toLowerCase()}`,
      collect,
    )
    .option("-n, --limit <n>", `how many runs to show (default ${DEFAULT_LIMIT})`)
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      examples("wf task-run ls --flow-run swift-otter", "wf task-run ls --state failed --json"),
    )
    .action(
      async (options: { flowRun?: string; state?: string[]; limit?: string; json?: boolean }) => {
        const states = parseStates(options.state);
        const limit = parseLimit(options.limit) ?? DEFAULT_LIMIT;
        await withRunStore(async (runs) => {
          const flowRun =
            options.flowRun !== undefined ? await getFlowRun(runs, options.flowRun) : undefined;
          const list = await runs.listTaskRuns({
            limit,
            ...(flowRun ? { flowRunId: flowRun.id } : {}),
            ...(states ? { states } : {}),
          });
          if (options.json) {
            const { taskRunJson } = await import("../json.js");
            printJson(list.map(taskRunJson));
            return;
          }
          if (list.length === 0) {
            writeLine(pc.dim("No task runs match."));
            return;
          }
          writeLine(
            await renderTable(
              ["ID", "NAME", "TASK", "FLOW RUN", "STATE", "STARTED", "DURATION"],
              list.map((t) => [
                t.id,
                t.name,
                t.taskKey,
                t.flowRunId ?? "-",
                colorState(t.stateType, t.stateName),
                formatDateTime(t.startTime ?? t.createdAt),
                formatDuration(runDurationMs(t)),
              ]),
            ),
          );
        });
      },
    );
}
