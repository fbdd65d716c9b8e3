/**
 * `blockRef(AwsCredentials)` (or `blockRef("aws-credentials")`) is a field that names another saved
 * block as `"slug/name"`; on load the reference is replaced by that block's ready instance.
 */
import { z } from "zod";
import { ConfigurationError } from "../errors.js";

/** The JSON Schema keyword that marks a block reference; its value is `{ slug }`. */
export const BLOCK_REF_KEYWORD = "x-wf-block-ref";

/** Block type slugs: kebab-case, naming the vendor (`aws-credentials`, `s3-bucket`). */
export const SLUG_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** Block names: letters, digits, `.`, `_` and `-`. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const FULL_NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

declare const INSTANCE: unique symbol;

/** A reference field: a `"slug/name"` string in saved config, the loaded instance in `create()`. */
export type BlockRefSchema<Instance> = z.ZodString & { readonly [INSTANCE]: Instance };

/** Parse `"slug/name"`; throws a ConfigurationError that shows the expected form. */
export function parseBlockName(fullName: string): { slug: string; name: string } {
  if (typeof fullName !== "string" || !FULL_NAME_PATTERN.test(fullName)) {
    throw new ConfigurationError(
      `'${String(fullName)}' is not a block name; use "<type-slug>/<name>", e.g. "s3-bucket/results"`,
    );
  }
  const slash = fullName.indexOf("/");
  return { slug: fullName.slice(0, slash), name: fullName.slice(slash + 1) };
}

/** True for a `"slug/name"` string. */
export function isBlockName(value: unknown): value is string {
  return typeof value === "string" && FULL_NAME_PATTERN.test(value);
}

/** A field that references a saved block of the given type (or any type: `blockRef()`). */
export function blockRef<Instance = unknown>(
  type?: { readonly slug: string; readonly __instance?: Instance } | string,
): BlockRefSchema<Instance> {
  const slug = typeof type === "string" ? type : type?.slug;
  if (slug !== undefined && !SLUG_PATTERN.test(slug)) {
    throw new ConfigurationError(`blockRef: '${slug}' is not a block type slug`);
  }
  const pattern =
    slug === undefined ? FULL_NAME_PATTERN : new RegExp(`^${slug}/[A-Za-z0-9][A-Za-z0-9._-]*$`);
  const field = z
    .string()
    .regex(pattern, { message: `expected a block name "${slug ?? "<slug>"}/<name>"` })
    .meta({ [BLOCK_REF_KEYWORD]: slug === undefined ? {} : { slug } });
  return field as unknown as BlockRefSchema<Instance>;
}
