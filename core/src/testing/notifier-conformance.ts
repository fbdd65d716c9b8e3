/**
 * The Notifier conformance suite. The factory gives a notifier and a way to read what its real
 * destination received (decoded back into Notifications), e.g. a local HTTP server for webhooks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Notification, Notifier } from "../notifier.js";

export interface NotifierTarget {
  readonly notifier: Notifier;
  /** Everything the destination has received so far, oldest first. */
  received(): Promise<readonly Notification[]>;
  /** A notifier for the same kind of destination that refuses every message. */
  readonly refusing?: Notifier;
  /** Stop the destination (after the notifiers are closed). */
  close?(): Promise<void>;
}

export interface NotifierConformanceOptions {
  /** Skip the whole suite, with the reason printed (a missing service, locally). */
  readonly skip?: string | false;
}

/** Register the suite; `create` is called once. */
export function notifierConformance(
  name: string,
  create: () => NotifierTarget | Promise<NotifierTarget>,
  options: NotifierConformanceOptions = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  if (options.skip) console.warn(`skipping notifier conformance '${name}': ${options.skip}`);
  suite(`Notifier conformance: ${name}`, () => {
    let target: NotifierTarget;
    beforeAll(async () => {
      target = await create();
    });
    afterAll(async () => {
      await target?.notifier.close();
      await target?.refusing?.close();
      await target?.close?.();
    });

    const since = async (before: number) => (await target.received()).slice(before);

    it("delivers subject, body, severity and links", async () => {
      const before = (await target.received()).length;
      const message: Notification = {
        subject: "Flow run 'swift-otter' failed",
        body: "Task 'load' raised ValueError\nsee the logs",
        severity: "error",
        links: [{ label: "Run", url: "http://127.0.0.1:4200/runs/1" }],
      };
      await target.notifier.notify(message);
      const got = await since(before);
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({
        subject: message.subject,
        body: message.body,
        severity: "error",
        links: [{ label: "Run", url: "http://127.0.0.1:4200/runs/1" }],
      });
    });

    it("defaults the severity to info", async () => {
      const before = (await target.received()).length;
      await target.notifier.notify({ subject: "hello", body: "world" });
      const got = await since(before);
      expect(got[0]?.severity ?? "info").toBe("info");
      expect(got[0]?.subject).toBe("hello");
    });

    it("keeps unicode and order across several messages", async () => {
      const before = (await target.received()).length;
      for (const subject of ["one ✓", "two — ü", "three 🚀"]) {
        await target.notifier.notify({ subject, body: subject });
      }
      expect((await since(before)).map((m) => m.subject)).toEqual(["one ✓", "two — ü", "three 🚀"]);
    });

    it("rejects with an aborted signal and delivers nothing", async () => {
      const before = (await target.received()).length;
      const signal = AbortSignal.abort(new Error("stop"));
      await expect(
        target.notifier.notify({ subject: "x", body: "y" }, { signal }),
      ).rejects.toThrow();
      expect(await since(before)).toHaveLength(0);
    });

    it("rejects when the destination refuses the message", async (ctx) => {
      if (!target.refusing) ctx.skip();
      await expect(target.refusing!.notify({ subject: "x", body: "y" })).rejects.toThrow();
    });

    it("closes idempotently", async () => {
      const extra = await create();
      await extra.notifier.close();
      await extra.notifier.close();
      await extra.refusing?.close();
      await extra.close?.();
    });
  });
}
