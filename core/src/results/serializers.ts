/** How results become bytes: "json" (readable, JSON values only) or "v8" (Dates, Maps, Sets, ...). */
import { deserialize, serialize } from "node:v8";
import { ConfigurationError } from "../errors.js";

export interface Serializer {
  readonly name: string;
  serialize(value: unknown): Uint8Array;
  deserialize(data: Uint8Array): unknown;
}

export const jsonSerializer: Serializer = {
  name: "json",
  serialize(value) {
    // `undefined` (a task that returns nothing) is stored as an empty object marker.
    return Buffer.from(JSON.stringify(value === undefined ? { $undefined: true } : value));
  },
  deserialize(data) {
    const value: unknown = JSON.parse(Buffer.from(data).toString("utf8"));
    return isUndefinedMarker(value) ? undefined : value;
  },
};

function isUndefinedMarker(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.keys(value).length === 1 &&
    (value as Record<string, unknown>).$undefined === true
  );
}

export const v8Serializer: Serializer = {
  name: "v8",
  serialize: (value) => serialize(value),
  deserialize: (data) => deserialize(data),
};

const BUILT_IN: ReadonlyMap<string, Serializer> = new Map([
  ["json", jsonSerializer],
  ["v8", v8Serializer],
]);

export const DEFAULT_SERIALIZER = v8Serializer;

export function resolveSerializer(value: string | Serializer | undefined): Serializer {
  if (value === undefined) return DEFAULT_SERIALIZER;
  if (typeof value !== "string") return value;
  const found = BUILT_IN.get(value);
  if (!found) {
    throw new ConfigurationError(
      `unknown result serializer '${value}'; use "json", "v8" or a Serializer object`,
    );
  }
  return found;
}
