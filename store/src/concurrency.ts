/**
 * Tag concurrency limits shared by every process on one database. A slot is a row
 * (tag, holder, pid, hostname); taking slots is one transaction that first reclaims slots whose
 * holder process died on this host, then inserts one slot per limited tag only if all have room.
 */
import { hostname as osHostname } from "node:os";
import type { SqlClient, SqlExecutor } from "./sql-client.js";
import type { SlotAttempt } from "./wf-core.js";

/** This machine's name as recorded in slots and runs. */
export const HOSTNAME = osHostname();

/** Whether process `pid` exists on this machine (`EPERM` means it exists but is not ours). */
export function isPidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** Whether a row owned by (pid, hostname) belongs to a process known to be gone. */
export function isOwnerDead(pid: number, hostname: string): boolean {
  return hostname === HOSTNAME && !isPidAlive(pid);
}

/** Whether a slot's holder is gone: its process died on this machine, or its lease ran out. */
export function isSlotDead(
  slot: {
    readonly pid: number;
    readonly hostname: string;
    readonly lease_expires_at?: number | null;
  },
  now: number,
): boolean {
  return leaseExpired(slot, now) || isOwnerDead(slot.pid, slot.hostname);
}

/** Whether a slot taken as a lease (by a client of the server) was not renewed in time. */
function leaseExpired(slot: { readonly lease_expires_at?: number | null }, now: number): boolean {
  return slot.lease_expires_at != null && slot.lease_expires_at < now;
}

/** One attempt to take slots (the type every Orchestrator shares). */
export type AcquireAttempt = SlotAttempt;

/** The process a slot belongs to: reclaimed once it is known to be gone. */
export interface SlotOwner {
  readonly pid: number;
  readonly hostname: string;
  /** For holders that renew their slots (clients of the server): held until this time. */
  readonly leaseExpiresAt?: number;
}

/**
 * One attempt to take a slot of every limited tag among `tags`; never waits. `owner` is this
 * process unless the slots are taken on behalf of another (the server, for its HTTP clients).
 */
export function tryAcquireSlots(
  client: SqlClient,
  tags: readonly string[],
  holderId: string,
  owner: SlotOwner = { pid: process.pid, hostname: HOSTNAME },
  now = Date.now(),
): Promise<AcquireAttempt> {
  const { db } = client;
  return client.transaction(async (tx): Promise<AcquireAttempt> => {
    let limitsQuery = db
      .selectFrom("concurrency_limits")
      .select(["tag", "limit"])
      .where("tag", "in", tags)
      .orderBy("tag");
    // Postgres: the limit rows are the lock that serialises acquirers of the same tags (ordered,
    // so two acquirers of overlapping tag sets cannot deadlock). SQLite: BEGIN IMMEDIATE already is.
    if (client.dialect === "postgres") limitsQuery = limitsQuery.forUpdate();
    const limits = await tx.all(limitsQuery);
    if (limits.length === 0) return { acquired: true, tags: [] };
    const limited = limits.map((l) => l.tag);

    const slots = await tx.all(
      db
        .selectFrom("concurrency_slots")
        .select(["tag", "holder_id", "pid", "hostname", "lease_expires_at"])
        .where("tag", "in", limited),
    );
    const live = await reclaimDeadSlots(tx, client, slots, now);

    const held = new Map<string, number>();
    for (const slot of live) {
      if (slot.holder_id === holderId) continue; // a retry of our own attempt
      held.set(slot.tag, (held.get(slot.tag) ?? 0) + 1);
    }
    const fullTags = limits.filter((l) => (held.get(l.tag) ?? 0) >= l.limit).map((l) => l.tag);
    if (fullTags.length > 0) return { acquired: false, fullTags };

    await tx.run(
      db
        .insertInto("concurrency_slots")
        .values(
          limited.map((tag) => ({
            tag,
            holder_id: holderId,
            pid: owner.pid,
            hostname: owner.hostname,
            acquired_at: now,
            lease_expires_at: owner.leaseExpiresAt ?? null,
          })),
        )
        .onConflict((oc) => oc.columns(["tag", "holder_id"]).doNothing()),
    );
    return { acquired: true, tags: limited };
  });
}

interface SlotRow {
  readonly tag: string;
  readonly holder_id: string;
  readonly pid: number;
  readonly hostname: string;
  readonly lease_expires_at: number | null;
}

/** Delete the slots whose holder is gone (dead process here, or lease run out); returns the others. */
export async function reclaimDeadSlots<T extends SlotRow>(
  tx: SqlExecutor,
  client: SqlClient,
  slots: readonly T[],
  now = Date.now(),
): Promise<T[]> {
  const live: T[] = [];
  const deadPids = new Set<number>();
  const expiredHolders = new Set<string>();
  const verdict = new Map<number, boolean>();
  for (const slot of slots) {
    if (leaseExpired(slot, now)) {
      expiredHolders.add(slot.holder_id);
      continue;
    }
    let dead = false;
    if (slot.hostname === HOSTNAME) {
      dead = verdict.get(slot.pid) ?? !isPidAlive(slot.pid);
      verdict.set(slot.pid, dead);
    }
    if (dead) deadPids.add(slot.pid);
    else live.push(slot);
  }
  if (deadPids.size > 0) {
    await tx.run(
      client.db
        .deleteFrom("concurrency_slots")
        .where("hostname", "=", HOSTNAME)
        .where("pid", "in", [...deadPids]),
    );
  }
  if (expiredHolders.size > 0) {
    await tx.run(
      client.db
        .deleteFrom("concurrency_slots")
        .where("holder_id", "in", [...expiredHolders])
        .where("lease_expires_at", "<", now),
    );
  }
  return live;
}

/** Extend the leases of these holders' slots (clients of the server renew what they hold). */
export async function renewSlotLeases(
  client: SqlClient,
  holderIds: readonly string[],
  leaseExpiresAt: number,
): Promise<number> {
  if (holderIds.length === 0) return 0;
  const result = await client.run(
    client.db
      .updateTable("concurrency_slots")
      .set({ lease_expires_at: leaseExpiresAt })
      .where("holder_id", "in", [...holderIds])
      .where("lease_expires_at", "is not", null),
  );
  return result;
}
