/** Where and how a run's result is persisted, resolved from task, flow and global settings. */
import { loadBlock } from "../plugin/block-service.js";
import { Capability } from "../plugin/capabilities.js";
import { getBooleanSetting, getSetting } from "../settings.js";
import type { Storage } from "../storage.js";
import { LocalFileStorage } from "./local-file-storage.js";
import { resolveSerializer, type Serializer } from "./serializers.js";

export interface ResultSettings {
  readonly persist: boolean;
  /** The storage, loaded on first use when it is a block name. */
  readonly storage: () => Storage | Promise<Storage>;
  readonly serializer: Serializer;
}

let defaultStorage: { path: string; storage: Storage } | undefined;

/** The local file storage under WF_LOCAL_STORAGE_PATH, one instance per path. */
export function localResultStorage(): Storage {
  const path = getSetting("WF_LOCAL_STORAGE_PATH") ?? "";
  if (defaultStorage?.path !== path) {
    defaultStorage = { path, storage: new LocalFileStorage({ basePath: path }) };
  }
  return defaultStorage.storage;
}

/** The default result storage: the WF_DEFAULT_RESULT_STORAGE block, else local files. */
export function defaultResultStorage(): Storage | Promise<Storage> {
  const name = getSetting("WF_DEFAULT_RESULT_STORAGE");
  return name ? storageBlock(name) : localResultStorage();
}

// One instance per block name and process: loading decrypts and builds a client once.
const storageBlocks = new Map<string, Promise<Storage>>();

function storageBlock(name: string): Promise<Storage> {
  let loaded = storageBlocks.get(name);
  if (!loaded) {
    loaded = loadBlock<Storage>(name, { capability: Capability.STORAGE });
    // A failed load is not remembered: the next run tries again (after `wf block create`).
    loaded.catch(() => storageBlocks.delete(name));
    storageBlocks.set(name, loaded);
  }
  return loaded;
}

/** Forget loaded storage blocks (tests that re-save a block under the same name). */
export function forgetStorageBlocks(): void {
  storageBlocks.clear();
}

export function resolveResultStorage(
  value: string | Storage | undefined,
): () => Storage | Promise<Storage> {
  if (value === undefined) return defaultResultStorage;
  if (typeof value === "string") return () => storageBlock(value);
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
