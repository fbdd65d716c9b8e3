/**
 * The SecretBackend conformance suite: every backend (env, file, keychain, a plugin's vault) runs
 * it against the real place its secrets live. The factory gives the backend, how to write a
 * reference for a key, and how to store a value under that key without the backend.
 *
 *   secretBackendConformance("env", async () => ({
 *     backend: new EnvSecretBackend(),
 *     reference: (key) => `env://WF_TEST_${key}`,
 *     put: async (key, value) => { process.env[`WF_TEST_${key}`] = value; },
 *   }));
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WfError } from "../errors.js";
import { secretReferenceScheme, type SecretBackend } from "../secret-backend.js";

export interface SecretBackendTarget {
  readonly backend: SecretBackend;
  /** The reference for a key (letters, digits and `_`), e.g. `env://WF_TEST_<key>`. */
  reference(key: string): string;
  /** Store a value under a key, the way a user would, without going through the backend. */
  put(key: string, value: string): Promise<void>;
  /** Remove what the suite stored (after the backend is closed). */
  close?(): Promise<void>;
}

export interface SecretBackendConformanceOptions {
  /** Skip the whole suite, with the reason printed (a missing service, locally). */
  readonly skip?: string | false;
}

/** Register the suite; `create` is called once and the backend is closed after the suite. */
export function secretBackendConformance(
  name: string,
  create: () => Promise<SecretBackendTarget>,
  options: SecretBackendConformanceOptions = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  if (options.skip) console.warn(`skipping secret backend conformance '${name}': ${options.skip}`);
  suite(`SecretBackend conformance: ${name}`, () => {
    let target: SecretBackendTarget;
    // Each run uses its own keys so a shared keychain or vault cannot leak state between runs.
    const run = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const key = (k: string) => `WF_CONFORMANCE_${run}_${k}`;
    const stored: string[] = [];
    const put = async (k: string, value: string) => {
      stored.push(value);
      await target.put(key(k), value);
    };

    beforeAll(async () => {
      target = await create();
    });
    afterAll(async () => {
      await target?.backend.close();
      await target?.close?.();
    });

    it("resolves references of its own scheme", () => {
      expect(secretReferenceScheme(target.reference(key("any")))).toBe(target.backend.scheme);
    });

    it("gets a stored value exactly", async () => {
      const values = {
        plain: "s3cr3t-Value_1",
        unicode: "pässwörd — 密码 🔑 ✓",
        inner_newlines: "line one\nline two\r\nline three\tand a tab",
        spaces: "  leading and trailing spaces  ",
        symbols: `quotes ' " \` and $HOME %s {} \\ / : , ;`,
        long: Array.from({ length: 2048 }, (_, i) => String.fromCharCode(33 + ((i * 7) % 94))).join(
          "",
        ),
      };
      for (const [k, value] of Object.entries(values)) await put(k, value);
      for (const [k, value] of Object.entries(values)) {
        expect(await target.backend.get(target.reference(key(k)))).toBe(value);
      }
    });

    it("sees a value replaced after it was read", async () => {
      await put("replaced", "first value");
      expect(await target.backend.get(target.reference(key("replaced")))).toBe("first value");
      await put("replaced", "second value");
      expect(await target.backend.get(target.reference(key("replaced")))).toBe("second value");
    });

    it("rejects a missing reference with NOT_FOUND, naming the reference and no value", async () => {
      await put("present", "value-that-must-not-leak");
      const reference = target.reference(key("absent"));
      const error = await target.backend.get(reference).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(WfError.is(error, "NOT_FOUND")).toBe(true);
      const message = String((error as Error).message);
      expect(message).toContain(reference);
      for (const value of stored) expect(message).not.toContain(value);
    });

    it("refuses a reference of another scheme", async () => {
      const reference = "wf-conformance-other://x/y";
      await expect(target.backend.get(reference)).rejects.toThrow(reference);
    });

    it("rejects when the signal is already aborted", async () => {
      await put("abort", "abort-value");
      const signal = AbortSignal.abort(new Error("stop"));
      await expect(
        target.backend.get(target.reference(key("abort")), { signal }),
      ).rejects.toThrow();
    });

    it("stores with set, where it can", async (ctx) => {
      const { set } = target.backend;
      if (!set) return ctx.skip();
      const reference = target.reference(key("set"));
      await set.call(target.backend, reference, "set — ü ✓\nsecond line");
      stored.push("set — ü ✓\nsecond line");
      expect(await target.backend.get(reference)).toBe("set — ü ✓\nsecond line");
      const signal = AbortSignal.abort(new Error("stop"));
      const aborted = target.reference(key("set_aborted"));
      await expect(set.call(target.backend, aborted, "never", { signal })).rejects.toThrow();
      await expect(target.backend.get(aborted)).rejects.toThrow(aborted);
    });

    it("answers concurrent gets", async () => {
      const keys = Array.from({ length: 10 }, (_, i) => `concurrent_${i}`);
      for (const k of keys) await put(k, `value ${k}`);
      const values = await Promise.all(
        keys.map((k) => target.backend.get(target.reference(key(k)))),
      );
      expect(values).toEqual(keys.map((k) => `value ${k}`));
    });

    it("closes idempotently", async () => {
      await target.backend.close();
      await expect(target.backend.close()).resolves.toBeUndefined();
    });
  });
}
