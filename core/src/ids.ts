/** Identifiers: time-ordered UUIDv7 keys (cheap to index) and the names people read. */
import { randomBytes } from "node:crypto";

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

let lastMs = -1;
let msPrefix = "";
let counter = 0;

/**
 * A time-ordered UUID (RFC 9562 version 7), monotonic within the process: 48 bits of
 * milliseconds, a 12-bit counter in rand_a that orders ids made in the same millisecond, and
 * 62 random bits. Hand-rolled because it sits on the hot path (several ids per task run) and the
 * generic generator costs ~1 µs per id.
 */
export function newId(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = randomByte() & 0x3f; // start low so a burst in one millisecond has room
    const hex = now.toString(16).padStart(12, "0");
    msPrefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
  } else if (++counter > 0xfff) {
    // 4,096 ids in one millisecond: borrow the next millisecond to stay ordered.
    lastMs++;
    counter = 0;
    const hex = lastMs.toString(16).padStart(12, "0");
    msPrefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
  }
  const c = counter;
  return (
    msPrefix +
    HEX_BYTE[(c >> 8) & 0x0f]!.slice(1) +
    HEX_BYTE[c & 0xff] +
    "-" +
    HEX_BYTE[0x80 | (randomByte() & 0x3f)] +
    HEX_BYTE[randomByte()] +
    "-" +
    HEX_BYTE[randomByte()] +
    HEX_BYTE[randomByte()] +
    HEX_BYTE[randomByte()] +
    HEX_BYTE[randomByte()] +
    HEX_BYTE[randomByte()] +
    HEX_BYTE[randomByte()]
  );
}

const ADJECTIVES = [
  "amber",
  "brave",
  "calm",
  "clever",
  "cosmic",
  "daring",
  "eager",
  "fancy",
  "gentle",
  "glossy",
  "golden",
  "happy",
  "hidden",
  "icy",
  "jolly",
  "keen",
  "lively",
  "lucky",
  "mellow",
  "misty",
  "nimble",
  "noble",
  "olive",
  "polite",
  "proud",
  "quick",
  "quiet",
  "rapid",
  "rustic",
  "shiny",
  "silent",
  "smart",
  "snowy",
  "solar",
  "steady",
  "sunny",
  "swift",
  "tidy",
  "vivid",
  "witty",
] as const;
const ANIMALS = [
  "albatross",
  "badger",
  "beaver",
  "bison",
  "cheetah",
  "cobra",
  "coyote",
  "crane",
  "dingo",
  "dolphin",
  "eagle",
  "falcon",
  "ferret",
  "gecko",
  "gibbon",
  "heron",
  "ibis",
  "jackal",
  "koala",
  "lemur",
  "lynx",
  "marmot",
  "narwhal",
  "ocelot",
  "otter",
  "panda",
  "pelican",
  "puffin",
  "quokka",
  "raven",
  "salmon",
  "seal",
  "sloth",
  "tapir",
  "toucan",
  "turtle",
  "walrus",
  "wombat",
  "yak",
  "zebra",
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
