import { describe, expect, it } from "vitest";
import {
  ALL_STATE_TYPES,
  canTransition,
  Completed,
  Failed,
  State,
  StateType,
  type StateType as T,
} from "../src/index.js";

// The full rule table, written out independently of the implementation: from -> allowed targets.
const EXPECTED: Record<string, readonly T[]> = {
  new: ["SCHEDULED", "PENDING", "RUNNING", "FAILED", "CANCELLED", "CRASHED"],
  SCHEDULED: ["SCHEDULED", "PENDING", "RUNNING", "FAILED", "CANCELLED", "CANCELLING", "CRASHED"],
  PENDING: ["SCHEDULED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "CANCELLING", "CRASHED"],
  RUNNING: ["SCHEDULED", "COMPLETED", "FAILED", "CANCELLED", "CANCELLING", "CRASHED", "PAUSED"],
  PAUSED: ["SCHEDULED", "PENDING", "RUNNING", "FAILED", "CANCELLED", "CANCELLING", "CRASHED"],
  CANCELLING: ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"],
  COMPLETED: [],
  FAILED: [],
  CANCELLED: [],
  CRASHED: [],
};

describe("state transitions", () => {
  const froms: (T | null)[] = [null, ...ALL_STATE_TYPES];
  for (const from of froms) {
    for (const to of ALL_STATE_TYPES) {
      const allowed = EXPECTED[from ?? "new"]?.includes(to) ?? false;
      it(`${from ?? "(new)"} -> ${to} is ${allowed ? "allowed" : "refused"}`, () => {
        expect(canTransition(from, to)).toBe(allowed);
      });
    }
  }

  it("refuses two claims of one run (PENDING -> PENDING, RUNNING -> RUNNING)", () => {
    expect(canTransition("PENDING", "PENDING")).toBe(false);
    expect(canTransition("RUNNING", "RUNNING")).toBe(false);
  });

  it("lets an explicit retry move a terminal run to SCHEDULED or PENDING only", () => {
    for (const terminal of ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"] as const) {
      for (const to of ALL_STATE_TYPES) {
        expect(canTransition(terminal, to, { retry: true })).toBe(
          to === "SCHEDULED" || to === "PENDING",
        );
      }
    }
  });
});

describe("State", () => {
  it("gives the value of a Completed state and throws the error of a Failed one", () => {
    expect(Completed({ value: 3 }).result()).toBe(3);
    const boom = new Error("boom");
    expect(() => Failed({ error: boom }).result()).toThrow(boom);
    expect(() => new State({ type: StateType.CRASHED, message: "gone" }).result()).toThrow(
      /Crashed/,
    );
  });

  it("prints like Prefect", () => {
    expect(Completed().toString()).toBe("Completed()");
    expect(Failed({ name: "TimedOut", message: "late" }).toString()).toBe("TimedOut('late')");
  });
});
