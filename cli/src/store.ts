/** Opening the run store for one command (loaded lazily: commands that do not need it stay fast). */
import type { RunStore, Store } from "@wf/store";
import type { RunReader } from "./api-run-store.js";
import { CliError } from "./errors.js";
import { loadSettings } from "./settings.js";

/** Open the store of the active profile (embedded mode only), hand it to `fn`, close it afterwards. */
export async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const [{ openStore }, { getSetting }] = await Promise.all([import("@wf/store"), loadSettings()]);
  const apiUrl = getSetting("WF_API_URL");
  if (apiUrl) {
    throw new CliError(
      `WF_API_URL is set (${apiUrl}) but this command reads the embedded store only so far: ` +
        "look at the runs in the server's UI or API, or unset WF_API_URL",
    );
  }
  const url = getSetting("WF_DATABASE_URL");
  const store = await openStore(url === undefined ? {} : { url });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Open the store of the active profile and hand its RunStore to `fn` (embedded mode only). */
export function withEmbeddedRunStore<T>(fn: (runs: RunStore) => Promise<T>): Promise<T> {
  return withStore((store) => fn(store.runs));
}

/**
 * The runs the reading commands show: the server's, through its API, when WF_API_URL is set;
 * else the embedded store of the active profile.
 */
export async function withRunStore<T>(fn: (runs: RunReader) => Promise<T>): Promise<T> {
  const { getSetting } = await loadSettings();
  const apiUrl = getSetting("WF_API_URL");
  if (apiUrl) {
    const [{ ApiClient }, { ApiRunStore }] = await Promise.all([
      import("@wf/core/http"),
      import("./api-run-store.js"),
    ]);
    return fn(new ApiRunStore(new ApiClient({ url: apiUrl, apiKey: getSetting("WF_API_KEY") })));
  }
  return withEmbeddedRunStore(fn);
}
