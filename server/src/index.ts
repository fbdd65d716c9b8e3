/** @wf/server: the HTTP API over the run store, with API keys. */
export {
  createServer,
  isLoopbackHost,
  DEFAULT_HOST,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_PORT,
  SERVER_VERSION,
  type CreateServerOptions,
  type ListeningServer,
  type WfServer,
} from "./create-server.js";
export { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from "./rate-limit.js";
export { apiRoutes, DEFAULT_LIST_LIMIT, type Route } from "./routes.js";
export { openApiDocument } from "./openapi.js";
export * as schemas from "./schemas.js";
