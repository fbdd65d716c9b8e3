/** A clean wf environment for one engine test: its own WF_HOME, no inherited WF_* settings. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clearMemoryCache, resetLoggingCache, resetSettingsCache } from "@wf/core/internal";

/** Clear every WF_* variable, set a fresh WF_HOME (plus `extra`), forget cached settings. */
export function freshWfEnvironment(prefix: string, extra: Record<string, string> = {}): string {
  const home = mkdtempSync(join(tmpdir(), prefix));
  for (const key of Object.keys(process.env)) if (key.startsWith("WF_")) delete process.env[key];
  process.env.WF_HOME = home;
  process.env.WF_LOGGING_LEVEL = process.env.WF_TEST_LOG_LEVEL ?? "CRITICAL";
  Object.assign(process.env, extra);
  resetSettingsCache();
  resetLoggingCache();
  clearMemoryCache();
  return home;
}
