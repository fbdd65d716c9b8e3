import { defineConfig } from "vitest/config";

// Workspaces resolve to their TypeScript sources through the "wf-source" export condition,
// so tests need no build step.
const conditions = ["wf-source", "node", "import", "module", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ["**/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: keep worker count modest so end-to-end tests that spawn `wf` are not starved.
    maxWorkers: 2,
    pool: "forks",
  },
});
