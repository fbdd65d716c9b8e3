// TaskFutureList waits on its futures through one observer instead of promises per future.
import { describe, expect, it } from "vitest";
import { TaskFuture, TaskFutureList } from "../src/futures.js";
import { Completed, Failed } from "../src/states.js";

function list<T>(n: number): TaskFutureList<T> {
  const futures = new TaskFutureList<T>();
  for (let i = 0; i < n; i++) futures.push(new TaskFuture<T>(`run-${i}`));
  return futures;
}

describe("TaskFutureList", () => {
  it("gives the values in list order, whatever order the runs finish in", async () => {
    const futures = list<number>(3);
    const values = futures.result();
    futures[2]!.settle(Completed({ value: 30 }));
    futures[0]!.settle(Completed({ value: 10 }));
    futures[1]!.settle(Completed({ value: 20 }));
    await expect(values).resolves.toEqual([10, 20, 30]);
  });

  it("rejects with the first failure to arrive and ignores later ones", async () => {
    const futures = list<number>(3);
    const values = futures.result();
    futures[0]!.settle(Completed({ value: 1 }));
    futures[2]!.settle(Failed({ message: "third failed first", error: new Error("third") }));
    futures[1]!.settle(Failed({ message: "second", error: new Error("second") }));
    await expect(values).rejects.toThrow("third");
  });

  it("resolves states() and wait() with failures included, and handles settled and empty lists", async () => {
    const futures = list<number>(2);
    futures[0]!.settle(Failed({ message: "no", error: new Error("no") }));
    const states = futures.states();
    const waited = futures.wait();
    futures[1]!.settle(Completed({ value: 2 }));
    expect((await states).map((s) => s.type)).toEqual(["FAILED", "COMPLETED"]);
    await expect(waited).resolves.toBeUndefined();
    await expect(new TaskFutureList<number>().result()).resolves.toEqual([]);
  });

  it("lets two lists and a direct await wait on the same future", async () => {
    const shared = new TaskFuture<string>("shared");
    const a = new TaskFutureList<string>();
    const b = new TaskFutureList<string>();
    a.push(shared);
    b.push(shared);
    const results = Promise.all([a.result(), b.result(), shared.result()]);
    shared.settle(Completed({ value: "x" }));
    await expect(results).resolves.toEqual([["x"], ["x"], "x"]);
  });
});
