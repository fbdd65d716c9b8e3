/** Identifiers: time-ordered UUIDv7 keys (cheap to index) and the names people read. */
import { randomBytes } from "node:crypto";
import { v7 } from "uuid";

/** A time-ordered UUID (v7), monotonic within the process. */
export function newId(): string {
  return v7();
}

const ADJECTIVES = [
  "amber", "brave", "calm", "clever", "cosmic", "daring", "eager", "fancy", "gentle", "glossy",
  "golden", "happy", "hidden", "icy", "jolly", "keen", "lively", "lucky", "mellow", "misty",
  "nimble", "noble", "olive", "polite", "proud", "quick", "quiet", "rapid", "rustic", "shiny",
  "silent", "smart", "snowy", "solar", "steady", "sunny", "swift", "tidy", "vivid", "witty",
] as const;
const ANIMALS = [
  "albatross", "badger", "beaver", "bison", "cheetah", "cobra", "coyote", "crane", "dingo",
  "dolphin", "eagle", "falcon", "ferret", "gecko", "gibbon", "heron", "ibis", "jackal", "koala",
  "lemur", "lynx", "marmot", "narwhal", "ocelot", "otter", "panda", "pelican", "puffin", "quokka",
  "raven", "salmon", "seal", "sloth", "tapir", "toucan", "turtle", "walrus", "wombat", "yak", "zebra",
] as const;

// A pool of random bytes refilled in bulk: a task run name must not cost a syscall.
let pool = randomBytes(4096);
let poolOffset = 0;
function randomByte(): number {
  if (poolOffset >= pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  return pool[poolOffset++] ?? 0;
}

/** A flow run name such as "swift-otter". */
export function newFlowRunName(): string {
  const a = ADJECTIVES[randomByte() % ADJECTIVES.length] ?? "quick";
  const b = ANIMALS[randomByte() % ANIMALS.length] ?? "otter";
  return `${a}-${b}`;
}

const HEX = "0123456789abcdef";
/** A task run name: `<task>-<3 hex>`, e.g. "get_number-3a9". */
export function newTaskRunName(taskName: string): string {
  const x = randomByte();
  const y = randomByte();
  return `${taskName}-${HEX[x >> 4]}${HEX[x & 15]}${HEX[y & 15]}`;
}
