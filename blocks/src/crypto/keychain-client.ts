/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service on Linux) behind
 * a three-method client. This is the only file that touches `@napi-rs/keyring`, an optional
 * dependency loaded on first use, so wf works where it is not installed.
 */
import { WfError } from "@wf/core";

export interface KeychainClient {
  /** The stored password, or undefined when there is none. */
  get(service: string, account: string, signal?: AbortSignal): Promise<string | undefined>;
  set(service: string, account: string, value: string, signal?: AbortSignal): Promise<void>;
  /** True if an entry was deleted. */
  delete(service: string, account: string, signal?: AbortSignal): Promise<boolean>;
}

/** A keychain client, or why there is none. */
export type KeychainProbe =
  | { readonly client: KeychainClient; readonly unavailable?: undefined }
  | { readonly client?: undefined; readonly unavailable: string };

// The subset of @napi-rs/keyring used, declared here so type-checking does not need the optional
// package installed.
interface AsyncEntryLike {
  getPassword(signal?: AbortSignal | null): Promise<string | undefined | null>;
  setPassword(password: string, signal?: AbortSignal | null): Promise<void>;
  deleteCredential(signal?: AbortSignal | null): Promise<boolean>;
}
interface KeyringModule {
  AsyncEntry: new (service: string, account: string) => AsyncEntryLike;
}

const MODULE = "@napi-rs/keyring";

/** The keychain, unless the module cannot load or (on Linux and BSD) there is no session bus. */
export async function loadKeychain(): Promise<KeychainProbe> {
  // Without a session bus the Secret Service cannot answer, and trying can stall a headless
  // machine (autolaunch); macOS and Windows keychains need no bus.
  if (
    process.platform !== "darwin" &&
    process.platform !== "win32" &&
    !process.env.DBUS_SESSION_BUS_ADDRESS
  ) {
    return {
      unavailable:
        "no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service keychain can answer",
    };
  }
  let module: KeyringModule;
  try {
    module = (await import(MODULE)) as KeyringModule;
  } catch (error) {
    return { unavailable: `${MODULE} could not be loaded (${firstLine(error)})` };
  }
  return { client: new NativeKeychainClient(module) };
}

class NativeKeychainClient implements KeychainClient {
  readonly #module: KeyringModule;
  constructor(module: KeyringModule) {
    this.#module = module;
  }

  async get(service: string, account: string, signal?: AbortSignal): Promise<string | undefined> {
    return this.#call("read", service, account, signal, async (entry) => {
      const value = await entry.getPassword(signal);
      return value ?? undefined;
    });
  }

  async set(service: string, account: string, value: string, signal?: AbortSignal): Promise<void> {
    await this.#call("write", service, account, signal, (entry) =>
      entry.setPassword(value, signal),
    );
  }

  async delete(service: string, account: string, signal?: AbortSignal): Promise<boolean> {
    return this.#call("delete", service, account, signal, (entry) =>
      entry.deleteCredential(signal),
    );
  }

  async #call<T>(
    what: string,
    service: string,
    account: string,
    signal: AbortSignal | undefined,
    action: (entry: AsyncEntryLike) => Promise<T>,
  ): Promise<T> {
    // The native calls do not reject on an already aborted signal: check before and after.
    signal?.throwIfAborted();
    let result: T;
    try {
      result = await action(new this.#module.AsyncEntry(service, account));
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new WfError(
        `cannot ${what} the OS keychain entry (service '${service}', account '${account}'): ` +
          `${firstLine(error)}; unlock the keychain, or check that a keychain service ` +
          "(gnome-keyring, KWallet) runs in this session",
        { code: "KEYCHAIN_UNAVAILABLE", cause: error },
      );
    }
    signal?.throwIfAborted();
    return result;
  }
}

// Native errors carry a Rust backtrace after the first line.
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n", 1)[0] ?? message;
}
