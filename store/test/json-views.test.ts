/** The JSON views' own time formatting agrees with Date#toISOString everywhere it is used. */
import { expect, test } from "vitest";
import fc from "fast-check";
import { isoTime } from "../src/json-views.js";

test("isoTime is exactly toISOString, across days, years and the ends of the range", () => {
  fc.assert(
    fc.property(fc.integer({ min: -62_000_000_000_000, max: 8_640_000_000_000_000 }), (ms) => {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }),
    { numRuns: 20_000 },
  );
  // Consecutive calls on one day (the cached date part) and across midnight.
  const midnight = Date.UTC(2026, 10, 21);
  for (const ms of [midnight - 1, midnight, midnight + 1, midnight + 86_399_999, 0, 1.5]) {
    expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  }
  expect(isoTime(undefined)).toBeNull();
  expect(isoTime(Number.NaN)).toBeNull();
});
