/** Persisting run results to a Storage and reading them back (for cache hits in other processes). */
import { redactSecrets } from "../redaction.js";
import type { ResultRecord } from "../orchestrator.js";
import type { ResultSettings } from "../results/result-settings.js";
import { resolveSerializer } from "../results/serializers.js";

const PREVIEW_LENGTH = 200;

/** A short printable form of a value for listings; never throws. */
export function previewValue(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? "undefined" : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  text = redactSecrets(text);
  return text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH - 1)}…` : text;
}

export async function writeResult(
  settings: ResultSettings,
  storageKey: string,
  value: unknown,
): Promise<ResultRecord> {
  const bytes = settings.serializer.serialize(value);
  await (await settings.storage()).write(storageKey, bytes);
  return { storageKey, serializer: settings.serializer.name, preview: previewValue(value) };
}

export async function readResult(settings: ResultSettings, record: ResultRecord): Promise<unknown> {
  const serializer =
    record.serializer === settings.serializer.name
      ? settings.serializer
      : resolveSerializer(record.serializer);
  return serializer.deserialize(await (await settings.storage()).read(record.storageKey));
}

/** Values cached in this process, so repeated hits skip the database and the storage read. */
const MEMORY_CACHE_LIMIT = 10_000;
const memoryCache = new Map<string, { value: unknown; expiresAt: number | undefined }>();

export function memoryCacheGet(key: string): { value: unknown } | undefined {
  const entry = memoryCache.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
    memoryCache.delete(key);
    return undefined;
  }
  return entry;
}

export function memoryCacheSet(key: string, value: unknown, expiresAt: number | undefined): void {
  memoryCache.delete(key);
  memoryCache.set(key, { value, expiresAt });
  if (memoryCache.size > MEMORY_CACHE_LIMIT) {
    const oldest = memoryCache.keys().next().value;
    if (oldest !== undefined) memoryCache.delete(oldest);
  }
}

/** Forget values cached in memory (tests that simulate a second process). */
export function clearMemoryCache(): void {
  memoryCache.clear();
}
