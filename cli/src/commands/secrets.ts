/** `wf secrets rotate-key`: a new key-encryption key for the secret fields of saved blocks. */
import type { Command } from "commander";
import pc from "picocolors";
import { withStore } from "../store.js";
import { printJson, renderFields, writeLine } from "../output.js";
import { examples } from "./common.js";

const MAKE_KEY = "openssl rand -base64 32";

export function registerSecretsCommands(program: Command): void {
  const group = program
    .command("secrets")
    .description("manage the encryption key that protects the secret fields of saved blocks")
    .addHelpText("after", examples("wf secrets rotate-key"));

  group
    .command("rotate-key")
    .description(
      "make a new encryption key and re-wrap every saved block's data key with it (keys are never printed)",
    )
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `${examples("wf secrets rotate-key", "wf secrets rotate-key --json")}

With the key in the OS keychain or $WF_HOME/encryption.key, wf makes the new key, re-wraps every
block and then drops the old key. With WF_ENCRYPTION_KEY, wf cannot change the key itself:
  1. make a new key:            ${MAKE_KEY}
  2. set WF_ENCRYPTION_KEY to the new key and WF_ENCRYPTION_KEY_PREVIOUS to the old one
  3. run \`wf secrets rotate-key\`: every block is re-wrapped with the new key
  4. remove WF_ENCRYPTION_KEY_PREVIOUS
Stop other wf processes (server, workers) while rotating.`,
    )
    .action(async (options: { json?: boolean }) => {
      const { openKeyRing, rotateEncryptionKey } = await import("@wf/blocks");
      await withStore(async (store) => {
        const keyRing = openKeyRing();
        const result = await rotateEncryptionKey({
          repository: store.orchestrator.blocks,
          keyRing,
        });
        const info = await keyRing.describe();
        if (options.json) {
          printJson({
            keyId: result.keyId,
            source: info.source,
            location: info.location,
            rewrapped: result.rewrapped,
            previousKeyIds: result.previousKeyIds,
            previousKeysRemoved: result.previousKeysRemoved,
            nextStep: result.nextStep ?? null,
          });
          return;
        }
        const fromEnv = info.source === "env";
        writeLine(
          fromEnv
            ? `Re-wrapped ${count(result.rewrapped)} with the key in WF_ENCRYPTION_KEY.`
            : `Rotated the encryption key: re-wrapped ${count(result.rewrapped)} with a new key.`,
        );
        const fields: [string, string][] = [
          ["key id", result.keyId],
          ["source", `${info.source} (${info.location})`],
        ];
        if (result.previousKeyIds.length > 0) {
          fields.push([
            result.previousKeysRemoved ? "removed keys" : "unused keys",
            result.previousKeyIds.join(", "),
          ]);
        }
        writeLine(renderFields(fields));
        if (result.nextStep) writeLine(pc.yellow(`Next: ${result.nextStep}.`));
        if (fromEnv && result.previousKeyIds.length === 0) {
          writeLine();
          writeLine(
            [
              "The key comes from WF_ENCRYPTION_KEY, which wf cannot change. To rotate it:",
              `  1. make a new key: ${MAKE_KEY}`,
              "  2. set WF_ENCRYPTION_KEY to the new key and WF_ENCRYPTION_KEY_PREVIOUS to the old one",
              "  3. run `wf secrets rotate-key` again: every block is re-wrapped with the new key",
              "  4. remove WF_ENCRYPTION_KEY_PREVIOUS",
            ].join("\n"),
          );
        }
      });
    });
}

function count(n: number): string {
  return `${n} block document${n === 1 ? "" : "s"}`;
}
