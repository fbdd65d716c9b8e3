/**
 * A fresh WF_HOME per test with no encryption settings from the developer's environment, restored
 * afterwards. The home folder itself does not exist yet, so tests see wf create it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resetSettingsCache } from "@wf/core/settings";

const VARIABLES = [
  "WF_HOME",
  "WF_PROFILE",
  "WF_ENCRYPTION_KEY",
  "WF_ENCRYPTION_KEY_PREVIOUS",
  "WF_ENCRYPTION_KEY_SOURCE",
] as const;

export interface TestHome {
  /** $WF_HOME (not created yet). */
  readonly home: string;
  /** The temporary folder that holds it; removed by `dispose`. */
  readonly root: string;
  dispose(): void;
}

export function freshHome(): TestHome {
  const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  const root = mkdtempSync(join(tmpdir(), "wf-keys-"));
  const home = join(root, "home");
  for (const name of VARIABLES) delete process.env[name];
  process.env.WF_HOME = home;
  resetSettingsCache();
  return {
    home,
    root,
    dispose() {
      for (const name of VARIABLES) {
        const value = saved[name];
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      resetSettingsCache();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
