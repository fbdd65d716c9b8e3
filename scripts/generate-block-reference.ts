// Writes docs/reference/blocks.md from the JSON Schemas of every block type wf ships.
// Run: npm run docs:blocks (a test fails when the committed page is out of date).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { plugin as aws } from "@wf/aws";
import { renderBlockReference, standardPlugin, type ReferenceSection } from "@wf/blocks";
import { plugin as template } from "@wf/plugin-template";

export const REFERENCE_PATH = fileURLToPath(
  new URL("../docs/reference/blocks.md", import.meta.url),
);

export function blockReferenceSections(): ReferenceSection[] {
  return [
    { plugin: "@wf/blocks (standard blocks)", types: standardPlugin.blockTypes },
    { plugin: "@wf/aws", types: aws.blockTypes },
    {
      plugin: "plugin-template (the example plugin authors start from)",
      types: template.blockTypes,
    },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(REFERENCE_PATH, renderBlockReference(blockReferenceSections()));
  console.log(`wrote ${REFERENCE_PATH}`);
}
