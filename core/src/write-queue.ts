/**
 * What a write-behind orchestrator (embedded or HTTP) holds between flushes. Run snapshots are coalesced by id:
 * the engine passes the same mutable record on every state change, so the map keeps the object
 * and the flush reads its fields as they are then.
 */
import type {
  CacheRecord,
  EventRecord,
  FlowRunRecord,
  LogRecord,
  StateRecord,
  TaskRunRecord,
} from "./orchestrator.js";

/** The sections of a batch, in the order they are written (runs before what refers to them). */
export const WRITE_SECTIONS = [
  "flowRuns",
  "taskRuns",
  "states",
  "logs",
  "events",
  "cache",
] as const;
export type WriteSection = (typeof WRITE_SECTIONS)[number];

export class WriteQueue {
  readonly flowRuns = new Map<string, FlowRunRecord>();
  readonly taskRuns = new Map<string, TaskRunRecord>();
  states: StateRecord[] = [];
  logs: LogRecord[] = [];
  events: EventRecord[] = [];
  readonly cache = new Map<string, CacheRecord>();

  /** Rows a flush of this queue would write. */
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

  /** Add one record to its section (how a batch is rebuilt from parts). */
  add(section: WriteSection, record: unknown): void {
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

  /** The records of one section, in the order they are written. */
  section(section: WriteSection): Iterable<unknown> {
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
   * Put back a batch whose transaction failed, ahead of what was queued since. A run queued again
   * meanwhile is the same object, so only one entry is kept.
   */
  restore(batch: WriteQueue): void {
    for (const [id, run] of batch.flowRuns) if (!this.flowRuns.has(id)) this.flowRuns.set(id, run);
    for (const [id, run] of batch.taskRuns) if (!this.taskRuns.has(id)) this.taskRuns.set(id, run);
    for (const [key, record] of batch.cache) if (!this.cache.has(key)) this.cache.set(key, record);
    this.states = batch.states.concat(this.states);
    this.logs = batch.logs.concat(this.logs);
    this.events = batch.events.concat(this.events);
  }
}
