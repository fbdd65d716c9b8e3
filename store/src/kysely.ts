/**
 * kysely, as the store imports it. One module on purpose: `npm run build` replaces its compiled
 * form (`dist/kysely.js`) with kysely bundled into a single file (scripts/bundle-kysely.mjs),
 * because kysely's 262 ES modules take ~150 ms to load one by one and one file ~20 ms, most of
 * it on every `wf run`. From source, `wf` resolves "kysely" to a cached bundle of its own
 * (cli/bin/dependency-bundles.mjs), and tests load the package as it is.
 */
export * from "kysely";
