import { describe, expect, it } from "vitest";
import { newFlowRunName, newId, newTaskRunName } from "../src/internal.js";

describe("ids", () => {
  it("are RFC 9562 version-7 UUIDs, unique and in creation order", () => {
    const ids = Array.from({ length: 50_000 }, () => newId());
    for (const id of ids.slice(0, 1000)) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("carry the creation time in their first 48 bits", () => {
    const before = Date.now();
    const id = newId();
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });

  it("names runs the way people read them", () => {
    expect(newFlowRunName()).toMatch(/^[a-z]+-[a-z]+$/);
    expect(newTaskRunName("get_number")).toMatch(/^get_number-[0-9a-f]{3}$/);
  });
});
