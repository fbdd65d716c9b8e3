/**
 * The HTTP orchestrator's write-behind queue and how it goes over the wire. Run snapshots are
 * coalesced by id (the engine mutates one record per run), and a drained queue becomes one or
 * more JSON bodies of at most `maxBytes`, each committed by the server in one transaction.
 */
import type {
  CacheRecord,
  EventRecord,
  FlowRunRecord,
  LogRecord,
  StateRecord,
  TaskRunRecord,
} from "../orchestrator.js";

/** The body of `POST /api/v1/orchestration/writes`, in the order the server writes it. */
export const WRITE_SECTIONS = [
  "flowRuns",
  "taskRuns",
  "states",
  "logs",
  "events",
  "cache",
] as const;
export type WriteSection = (typeof WRITE_SECTIONS)[number];

/** Log messages longer than this are cut so one line can never exceed a request's size limit. */
const MAX_LOG_MESSAGE_CHARS = 64 * 1024;

export class PendingWrites {
  readonly flowRuns = new Map<string, FlowRunRecord>();
  readonly taskRuns = new Map<string, TaskRunRecord>();
  states: StateRecord[] = [];
  logs: LogRecord[] = [];
  events: EventRecord[] = [];
  readonly cache = new Map<string, CacheRecord>();

  get size(): number {
    return (
      this.flowRuns.size +
      this.taskRuns.size +
      this.states.length +
      this.logs.length +
      this.events.length +
      this.cache.size
    );
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  /** Put a batch that failed to send back ahead of what was queued since. */
  restore(batch: PendingWrites): void {
    for (const [id, run] of batch.flowRuns) if (!this.flowRuns.has(id)) this.flowRuns.set(id, run);
    for (const [id, run] of batch.taskRuns) if (!this.taskRuns.has(id)) this.taskRuns.set(id, run);
    for (const [key, record] of batch.cache) if (!this.cache.has(key)) this.cache.set(key, record);
    this.states = batch.states.concat(this.states);
    this.logs = batch.logs.concat(this.logs);
    this.events = batch.events.concat(this.events);
  }

  #section(section: WriteSection): Iterable<unknown> {
    switch (section) {
      case "flowRuns":
        return this.flowRuns.values();
      case "taskRuns":
        return this.taskRuns.values();
      case "states":
        return this.states;
      case "logs":
        return this.logs;
      case "events":
        return this.events;
      case "cache":
        return this.cache.values();
    }
  }

  /**
   * Split into request bodies of at most about `maxBytes` each, each with the records it carries
   * (so a body that fails can be put back alone). Records are serialized now: the snapshot a body
   * carries is the run as it is at this moment; later changes go in a later flush.
   */
  toBodies(maxBytes: number): { readonly json: string; readonly writes: PendingWrites }[] {
    const bodies: { json: string; writes: PendingWrites }[] = [];
    let parts = new Map<WriteSection, string[]>();
    let writes = new PendingWrites();
    let bytes = 2;
    const close = () => {
      if (parts.size === 0) return;
      const fields = [...parts].map(([section, items]) => `"${section}":[${items.join(",")}]`);
      bodies.push({ json: `{${fields.join(",")}}`, writes });
      parts = new Map();
      writes = new PendingWrites();
      bytes = 2;
    };
    for (const section of WRITE_SECTIONS) {
      for (const record of this.#section(section)) {
        const json = JSON.stringify(section === "logs" ? cappedLog(record as LogRecord) : record);
        const cost = Buffer.byteLength(json) + section.length + 8;
        if (bytes + cost > maxBytes) close();
        let items = parts.get(section);
        if (items === undefined) {
          items = [];
          parts.set(section, items);
        }
        items.push(json);
        writes.#add(section, record);
        bytes += cost;
      }
    }
    close();
    return bodies;
  }

  #add(section: WriteSection, record: unknown): void {
    switch (section) {
      case "flowRuns":
        this.flowRuns.set((record as FlowRunRecord).id, record as FlowRunRecord);
        break;
      case "taskRuns":
        this.taskRuns.set((record as TaskRunRecord).id, record as TaskRunRecord);
        break;
      case "states":
        this.states.push(record as StateRecord);
        break;
      case "logs":
        this.logs.push(record as LogRecord);
        break;
      case "events":
        this.events.push(record as EventRecord);
        break;
      case "cache":
        this.cache.set((record as CacheRecord).key, record as CacheRecord);
        break;
    }
  }
}

function cappedLog(log: LogRecord): LogRecord {
  if (log.message.length <= MAX_LOG_MESSAGE_CHARS) return log;
  const cut = log.message.length - MAX_LOG_MESSAGE_CHARS;
  return {
    ...log,
    message: `${log.message.slice(0, MAX_LOG_MESSAGE_CHARS)}… [${cut} characters cut]`,
  };
}
