/**
 * The `--json` shapes: the same views as the server's API (`@wf/store`'s json-views), so a
 * script can read `wf flow-run ls --json` and `GET /api/v1/flow-runs` alike. Keys are stable.
 */
export {
  eventJson,
  flowRunJson,
  levelName,
  logJson,
  stateJson as stateRecordJson,
  taskRunJson,
} from "@wf/store/json-views";
