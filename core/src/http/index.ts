/**
 * `@wf/core/http`: the client side of `wf server` (the HTTP orchestrator and its API client), for
 * wf's own packages and tests. A subpath of its own so that embedded runs never load it; the
 * orchestrator registry imports it only when WF_API_URL is set.
 */
export { ApiClient, type ApiClientOptions } from "./api-client.js";
export {
  HttpOrchestrator,
  DEFAULT_HTTP_FLUSH_INTERVAL_MS,
  SLOT_LEASE_SECONDS,
  type HttpOrchestratorOptions,
} from "./http-orchestrator.js";
export { ORCHESTRATION_PATH } from "./paths.js";
