/** Opening the run store for one command (loaded lazily: commands that do not need it stay fast). */
import type { RunStore } from "@wf/store";
import { CliError } from "./errors.js";
import { loadSettings } from "./settings.js";

/** Open the store of the active profile, hand its RunStore to `fn`, and close it afterwards. */
export async function withRunStore<T>(fn: (runs: RunStore) => Promise<T>): Promise<T> {
  const [{ openStore }, { getSetting }] = await Promise.all([import("@wf/store"), loadSettings()]);
  const apiUrl = getSetting("WF_API_URL");
  if (apiUrl) {
    throw new CliError(
      `WF_API_URL is set (${apiUrl}) but this command works on the embedded store only so far; unset WF_API_URL`,
    );
  }
  const url = getSetting("WF_DATABASE_URL");
  const store = await openStore(url === undefined ? {} : { url });
  try {
    return await fn(store.runs);
  } finally {
    await store.close();
  }
}
