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

export interface KeyRing {
  /** The key that wraps new data keys (created and stored on first use for keychain and file). */
  current(signal?: AbortSignal): Promise<EncryptionKey>;
  /** A key by id, current or previous; undefined when this machine does not have it. */
  find(id: string, signal?: AbortSignal): Promise<EncryptionKey | undefined>;
}
