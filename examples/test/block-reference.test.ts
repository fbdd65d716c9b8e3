// docs/reference/blocks.md is generated from the registered JSON Schemas; it must be current.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { renderBlockReference } from "@wf/blocks";
import { blockReferenceSections, REFERENCE_PATH } from "../../scripts/generate-block-reference.js";

it("docs/reference/blocks.md matches the block types' schemas (run `npm run docs:blocks`)", () => {
  const expected = renderBlockReference(blockReferenceSections());
  expect(readFileSync(REFERENCE_PATH, "utf8")).toBe(expected);
  expect(expected).toContain("`s3-bucket`");
  expect(expected).toMatch(/`secretAccessKey` 🔒 secret/);
});
