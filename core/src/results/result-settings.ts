/** Where and how a run's result is persisted, resolved from task, flow and global settings. */
import { ConfigurationError } from "../errors.js";
import { getBooleanSetting, getSetting } from "../settings.js";
import type { Storage } from "../storage.js";
import { LocalFileStorage } from "./local-file-storage.js";
import { resolveSerializer, type Serializer } from "./serializers.js";

export interface ResultSettings {
  readonly persist: boolean;
  readonly storage: () => Storage;
  readonly serializer: Serializer;
}

let defaultStorage: { path: string; storage: Storage } | undefined;

/** The local file storage under WF_LOCAL_STORAGE_PATH, one instance per path. */
export function defaultResultStorage(): Storage {
  const path = getSetting("WF_LOCAL_STORAGE_PATH") ?? "";
  if (defaultStorage?.path !== path) {
    defaultStorage = { path, storage: new LocalFileStorage({ basePath: path }) };
  }
  return defaultStorage.storage;
}

export function resolveResultStorage(value: string | Storage | undefined): () => Storage {
  if (value === undefined) return defaultResultStorage;
  if (typeof value === "string") {
    throw new ConfigurationError(
      `resultStorage '${value}': block names need the blocks system (coming with @wf/blocks); pass a Storage instance for now`,
    );
  }
  return () => value;
}

export function resolveResultSettings(options: {
  persistResult: boolean | undefined;
  resultStorage: string | Storage | undefined;
  resultSerializer: string | Serializer | undefined;
  inherited: ResultSettings | undefined;
}): ResultSettings {
  return {
    persist:
      options.persistResult ??
      options.inherited?.persist ??
      getBooleanSetting("WF_RESULTS_PERSIST_BY_DEFAULT"),
    storage:
      options.resultStorage !== undefined
        ? resolveResultStorage(options.resultStorage)
        : (options.inherited?.storage ?? defaultResultStorage),
    serializer:
      options.resultSerializer !== undefined
        ? resolveSerializer(options.resultSerializer)
        : (options.inherited?.serializer ?? resolveSerializer(undefined)),
  };
}
