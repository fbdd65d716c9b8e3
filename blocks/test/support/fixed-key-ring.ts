/** A KeyRing with keys given in the test, so tests never touch a keychain or a key file. */
import { randomBytes } from "node:crypto";
import type { EncryptionKey, KeyRing } from "../../src/crypto/key-ring.js";

export class FixedKeyRing implements KeyRing {
  readonly keys: EncryptionKey[];
  currentId: string;

  constructor(count = 1) {
    this.keys = Array.from({ length: count }, (_, i) => ({
      id: `test-${i}`,
      key: randomBytes(32),
      source: "test",
    }));
    this.currentId = "test-0";
  }

  async current(): Promise<EncryptionKey> {
    return this.keys.find((k) => k.id === this.currentId)!;
  }

  async find(id: string): Promise<EncryptionKey | undefined> {
    return this.keys.find((k) => k.id === id);
  }
}
