/**
 * The key-encryption keys (KEKs) that wrap block documents' data keys. The current key wraps new
 * documents; older keys stay findable by id so documents wrapped before a rotation still open.
 * Keys come from WF_ENCRYPTION_KEY, the OS keychain or a 0600 key file under $WF_HOME — never
 * from the run store.
 */
export interface EncryptionKey {
  /** Stored beside each wrapped data key. */
  readonly id: string;
  /** 32 bytes. */
  readonly key: Uint8Array;
  /** Where it lives: "env", "keychain" or "file". */
  readonly source: string;
}

/** Where a key ring's keys live. */
export const KeySource = {
  env: "env",
  keychain: "keychain",
  file: "file",
} as const;
export type KeySource = (typeof KeySource)[keyof typeof KeySource];

/** What `wf secrets` may show about a key ring: where the keys are and their ids, never a key. */
export interface KeyRingInfo {
  readonly source: KeySource;
  /** "WF_ENCRYPTION_KEY", "OS keychain (service 'wf', account '…')" or the key file's path. */
  readonly location: string;
  readonly currentKeyId: string;
  /** Ids of the other keys that can still decrypt (after a rotation). */
  readonly previousKeyIds: readonly string[];
}

export interface KeyRing {
  /** The key that wraps new data keys (created and stored on first use for keychain and file). */
  current(signal?: AbortSignal): Promise<EncryptionKey>;
  /** A key by id, current or previous; undefined when this machine does not have it. */
  find(id: string, signal?: AbortSignal): Promise<EncryptionKey | undefined>;
  /** Where the keys live and their ids (never a key). */
  describe?(signal?: AbortSignal): Promise<KeyRingInfo>;
  /**
   * Generate a key and store it as current, keeping every other key findable (the first step of
   * a rotation). Only rings wf can write to (keychain, file) have it.
   */
  addKey?(signal?: AbortSignal): Promise<EncryptionKey>;
  /** Forget every stored key but `keepId` (the last step of a rotation); returns the ids removed. */
  removeKeysExcept?(keepId: string, signal?: AbortSignal): Promise<readonly string[]>;
}
