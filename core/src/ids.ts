/** Identifiers: time-ordered UUIDv7 keys (cheap to index) and the names people read. */
import { randomBytes } from "node:crypto";

const HEX = "0123456789abcdef";
const HEX_CODES = Uint8Array.from(HEX, (c) => c.charCodeAt(0));

let lastMs = -1;
let counter = 0;
// The id is written into one reusable buffer and read out as a single flat string: built with
// `+`, it would be a tree of a dozen string pieces, kept alive as long as the id (~350 bytes).
const out: number[] = Array.from({ length: 36 }, () => "-".charCodeAt(0));

function writeHex(value: number, start: number, digits: number): void {
  for (let i = start + digits - 1; i >= start; i--) {
    out[i] = HEX_CODES[value & 15] ?? 48;
    value = Math.floor(value / 16);
  }
}

/**
 * A time-ordered UUID (RFC 9562 version 7), monotonic within the process: 48 bits of
 * milliseconds, a 12-bit counter in rand_a that orders ids made in the same millisecond, and
 * 62 random bits. Hand-rolled because it sits on the hot path (several ids per task run).
 */
export function newId(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = randomByte() & 0x3f; // start low so a burst in one millisecond has room
  } else if (++counter > 0xfff) {
    // 4,096 ids in one millisecond: borrow the next millisecond to stay ordered.
    lastMs++;
    counter = 0;
  }
  // Layout: 8-4-4-4-12 hex digits; version nibble 7, variant bits 10.
  writeHex(Math.floor(lastMs / 0x10000), 0, 8);
  writeHex(lastMs % 0x10000, 9, 4);
  out[14] = 55; // "7"
  writeHex(counter, 15, 3);
  writeHex(0x8000 | ((randomByte() & 0x3f) << 8) | randomByte(), 19, 4);
  for (let i = 24; i < 36; i += 2) writeHex(randomByte(), i, 2);
  return String.fromCharCode.apply(null, out);
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

/** A task run name: `<task>-<3 hex>`, e.g. "get_number-3a9". */
export function newTaskRunName(taskName: string): string {
  const x = randomByte();
  const y = randomByte();
  return `${taskName}-${HEX[x >> 4]}${HEX[x & 15]}${HEX[y & 15]}`;
}
