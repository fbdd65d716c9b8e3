// @wf/core/plugin: the API for plugin authors — block types, plugins and the ports they implement.
export { defineBlockType, isBlockType } from "./block-type.js";
export type {
  AnyBlockType,
  BlockContext,
  BlockLoadOptions,
  BlockMigration,
  BlockSaveOptions,
  BlockSchema,
  BlockType,
  BlockTypeDefinition,
  ResolvedConfig,
} from "./block-type.js";
export { secret, SECRET_KEYWORD } from "./secret.js";
export {
  blockRef,
  isBlockName,
  parseBlockName,
  BLOCK_REF_KEYWORD,
  NAME_PATTERN,
  SLUG_PATTERN,
} from "./block-ref.js";
export type { BlockRefSchema } from "./block-ref.js";
export { definePlugin, isPlugin } from "./plugin.js";
export type { Plugin, PluginDefinition } from "./plugin.js";
export { Capability } from "./capabilities.js";
export { getBlockService, loadBlock, setBlockService } from "./block-service.js";
export type { BlockService, BlockServiceLoadOptions } from "./block-service.js";
export {
  BlockExistsError,
  BlockNotFoundError,
  BlockTypeNotFoundError,
  BlockValidationError,
} from "./block-errors.js";
export type { BlockIssue } from "./block-errors.js";
export { markedFields, schemaChecksum, toBlockJsonSchema, visitPath } from "./block-json-schema.js";
export type { FieldPath, JsonSchema, MarkedFields } from "./block-json-schema.js";
export type {
  BlockDocumentRecord,
  BlockRepository,
  BlockTypeRecord,
  SaveDocumentOutcome,
} from "./block-records.js";
export type { Storage, StorageCallOptions } from "../storage.js";
export { assertValidKey } from "../storage.js";
export type {
  Infrastructure,
  InfrastructureExit,
  InfrastructureHandle,
  InfrastructureJob,
  InfrastructureRunOptions,
} from "../infrastructure.js";
export { Severity } from "../notifier.js";
export type { Notification, NotificationLink, Notifier } from "../notifier.js";
export type { SecretBackend } from "../secret-backend.js";
export { secretReferenceScheme } from "../secret-backend.js";
export type { Runnable, TaskCall, TaskRunner } from "../task-runners/task-runner.js";
export { MASK, redactSecrets, registerSecretValues } from "../redaction.js";
export { WfError, ConfigurationError, NotFoundError } from "../errors.js";
export type { JsonValue } from "../orchestrator.js";
