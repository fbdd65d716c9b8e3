/** @wf/blocks: the block system (saved, validated, encrypted blocks), the plugin host and the standard blocks. */
import type { Orchestrator } from "@wf/core";
import { BlockSystem, type BlockSystemOptions } from "./block-system.js";

export { BlockSystem } from "./block-system.js";
export type {
  BlockSummary,
  BlockSystemOptions,
  BlockTypeSummary,
  SaveOptions,
} from "./block-system.js";
export { BlockTypeRegistry } from "./block-type-registry.js";
export { loadProjectPlugins, findProjectManifest, PLUGIN_TOKEN } from "./plugin-host.js";
export type {
  FailedPlugin,
  LoadedPlugin,
  LoadPluginsOptions,
  PluginReport,
} from "./plugin-host.js";
export { validateWithJsonSchema } from "./json-schema-validation.js";
export type { EncryptionKey, KeyRing, KeyRingInfo } from "./crypto/key-ring.js";
export { KeySource } from "./crypto/key-ring.js";
export { openKeyRing, KEY_FILE_NAME } from "./crypto/open-key-ring.js";
export type { OpenKeyRingOptions, OpenedKeyRing } from "./crypto/open-key-ring.js";
export { rotateEncryptionKey } from "./crypto/rotate-key.js";
export type { RotateEncryptionKeyOptions, RotateEncryptionKeyResult } from "./crypto/rotate-key.js";
export {
  EnvSecretBackend,
  FileSecretBackend,
  KeychainSecretBackend,
  standardSecretBackends,
} from "./secret-backends/index.js";
export * from "./standard/index.js";

/** The block service core loads in embedded mode (`import("@wf/blocks")`). */
export function createBlockService(
  options: { readonly orchestrator: Pick<Orchestrator, "blocks"> } & Omit<
    BlockSystemOptions,
    "orchestrator"
  >,
): BlockSystem {
  return new BlockSystem(options);
}
export { describeFields, renderBlockReference } from "./block-reference.js";
export type { FieldRow, ReferenceBlockType, ReferenceSection } from "./block-reference.js";
