import { defineConfig } from "vitest/config";

// Workspaces resolve to their TypeScript sources through the "wf-source" export condition,
// so tests need no build step. Vitest passes ssr conditions to its workers as `--conditions`
// flags, so "import" must not be among them: with it, require() inside CommonJS packages (pg)
// would pick ESM entries.
export default defineConfig({
  resolve: { conditions: ["wf-source", "node", "import", "module", "default"] },
  ssr: { resolve: { conditions: ["wf-source", "node"], externalConditions: ["wf-source"] } },
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
