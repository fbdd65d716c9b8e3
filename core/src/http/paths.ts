/** Where the server's routes for engine clients live (shared with `@wf/server`'s route table). */
export const ORCHESTRATION_PATH = "/api/v1/orchestration";
