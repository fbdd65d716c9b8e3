import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setOrchestrator } from "../src/index.js";
import { clearMemoryCache, resetLoggingCache, resetSettingsCache } from "../src/internal.js";
import { MemoryOrchestrator } from "../src/testing/index.js";

/** A fresh WF_HOME and in-memory orchestrator per test. */
export function useMemoryOrchestrator(): MemoryOrchestrator {
  process.env.WF_HOME = mkdtempSync(join(tmpdir(), "wf-test-"));
  process.env.WF_LOGGING_LEVEL = process.env.WF_TEST_LOG_LEVEL ?? "CRITICAL";
  resetSettingsCache();
  resetLoggingCache();
  clearMemoryCache();
  const orchestrator = new MemoryOrchestrator();
  setOrchestrator(orchestrator);
  return orchestrator;
}

export function stateNames(o: MemoryOrchestrator, runId: string): string[] {
  return o.statesOf(runId).map((s) => s.name);
}
