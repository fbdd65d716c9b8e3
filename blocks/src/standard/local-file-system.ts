/** `local-file-system`: Storage in a folder of this machine (results, cached values, flow code). */
import { randomUUID } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { LocalFileStorage, WfError } from "@wf/core";
import { Capability, defineBlockType } from "@wf/core/plugin";
import { z } from "zod";

const schema = z.object({
  basePath: z
    .string()
    .min(1, { message: "give the folder to store files in, e.g. ~/.wf/storage" })
    .describe(
      "The folder files are stored in; ~ is your home folder and a relative path is resolved against the working directory when the block is loaded",
    ),
});

/** `~/x` and relative paths made absolute, so the storage does not move if the process changes folder. */
function absoluteBasePath(basePath: string): string {
  if (basePath === "~") return homedir();
  if (basePath.startsWith("~/")) return join(homedir(), basePath.slice(2));
  return resolve(basePath);
}

export const LocalFileSystem = defineBlockType({
  slug: "local-file-system",
  displayName: "Local File System",
  description: "Stores results, cached values and flow code as files in a folder on this machine.",
  capabilities: [Capability.STORAGE],
  schema,
  create: (config) => new LocalFileStorage({ basePath: absoluteBasePath(config.basePath) }),
  async test(config) {
    const basePath = absoluteBasePath(config.basePath);
    const probe = join(basePath, `.wf-write-test-${randomUUID()}`);
    try {
      await mkdir(basePath, { recursive: true });
      await writeFile(probe, "ok");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new WfError(
        `cannot write to ${basePath} (${code}); create the folder or give this user write access to it`,
        { code: "STORAGE_NOT_WRITABLE", cause: error },
      );
    } finally {
      await rm(probe, { force: true }).catch(() => {});
    }
    return `${basePath} is writable`;
  },
});
