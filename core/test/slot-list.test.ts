import { describe, expect, test } from "vitest";
import { SlotList } from "../src/engine/slot-list.js";

describe("SlotList", () => {
  test("holds what was added until it is removed, in slot order, reusing freed slots", () => {
    const list = new SlotList<string>();
    const a = list.add("a");
    const b = list.add("b");
    const c = list.add("c");
    expect(list.entries()).toHaveLength(3);
    list.remove(b);
    expect(list.entries()).toEqual(["a", "c"]);
    expect(list.add("d")).toBe(b);
    expect(list.entries()).toEqual(["a", "d", "c"]);
    list.remove(a);
    list.remove(a); // a second remove of the same slot changes nothing
    expect(list.entries()).toHaveLength(2);
    expect(list.entries()).toEqual(["d", "c"]);
    list.remove(c);
    expect(list.entries()).toEqual(["d"]);
  });

  test("drain empties it; removing a slot handed out before is then a no-op", () => {
    const list = new SlotList<number>();
    const slots = [1, 2, 3].map((n) => list.add(n));
    expect(list.drain()).toEqual([1, 2, 3]);
    expect(list.entries()).toHaveLength(0);
    for (const slot of slots) list.remove(slot);
    expect(list.entries()).toHaveLength(0);
    expect(list.add(4)).toBe(0);
    expect(list.entries()).toEqual([4]);
  });

  test("entries() is a copy: removing while iterating it visits every entry once", () => {
    const list = new SlotList<string>();
    const slots = new Map(["x", "y", "z"].map((v) => [v, list.add(v)]));
    const seen: string[] = [];
    for (const entry of list.entries()) {
      seen.push(entry);
      list.remove(slots.get(entry)!);
    }
    expect(seen).toEqual(["x", "y", "z"]);
    expect(list.entries()).toHaveLength(0);
  });
});
